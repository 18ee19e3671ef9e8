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

    /**
     * Can the connection take more now? Replaying a backlog (a resume from an old cursor) goes only as fast
     * as the client reads, so a catch-up burst never looks like a slow consumer. Live messages are not
     * held back: a client that stops reading still gets dropped at the transport's limit.
     */
    default boolean ready() {
        return true;
    }

    /** Runs {@code next} once, as soon as {@link #ready()} holds (at once if it does now). */
    default void whenReady(Runnable next) {
        next.run();
    }
}
