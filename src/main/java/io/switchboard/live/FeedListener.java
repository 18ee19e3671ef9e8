package io.switchboard.live;

import io.switchboard.conversation.ConversationView;

/** An agent following the conversation list ("waiting", "mine"). Must not block. */
public interface FeedListener {

    /** A conversation changed status or assignee, or was created. */
    void conversation(ConversationView conversation);

    /** A new message was committed in a conversation; lets lists show unread counts without fetching it. */
    void activity(long conversationId, long lastSeq);

    /** An agent came online, went away or offline. */
    default void presence(Presence.AgentPresence presence) {
    }
}
