package io.switchboard.live;

import io.switchboard.conversation.ConversationView;
import io.switchboard.message.MessageView;

/**
 * Where a {@link Subscription} delivers: one per transport connection. Called in seq order, one call at a
 * time, possibly on the event loop: implementations must not block.
 */
public interface Sink {

    void message(MessageView message);

    default void conversation(ConversationView conversation) {
    }

    /** Ephemeral: someone started or stopped typing in the conversation. */
    default void typing(Typing typing) {
    }

    /** An agent opened ({@code typing() == true}) or left the conversation: "Alice is viewing". */
    default void viewing(Typing viewing) {
    }

    /** A participant's read cursor moved. */
    default void read(io.switchboard.conversation.ReadReceipt receipt) {
    }
}
