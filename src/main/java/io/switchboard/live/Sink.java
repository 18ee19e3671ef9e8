package io.switchboard.live;

/**
 * Where one client's frames go, whatever the transport. Called in order, one call at a time, possibly on the
 * event loop: implementations must not block.
 */
public interface Sink {

    void send(Frame frame);

    /** Ends the connection with a documented close code (WebSocket close frame; a stream's {@code close}). */
    void close(int code, String reason);

    /**
     * Can the connection take more now? Replaying a backlog (a resume from an old cursor) goes only as fast
     * as the client reads, so a catch-up burst never looks like a slow consumer. Live frames are not held
     * back: a client that stops reading is still dropped at the transport's limit.
     */
    default boolean ready() {
        return true;
    }

    /** Runs {@code next} once, as soon as {@link #ready()} holds (at once if it does now). */
    default void whenReady(Runnable next) {
        next.run();
    }
}
