package io.switchboard.conversation;

import java.util.List;

/**
 * A conversation's status or assignee changed (CDI event, fired inside the changing transaction, the row
 * locked): the message feature records each transition in the timeline as a system message.
 */
public record ConversationTransitioned(Conversation conversation, List<Conversation.Transition> transitions) {
}
