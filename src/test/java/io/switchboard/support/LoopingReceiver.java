package io.switchboard.support;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

/**
 * A client that keeps following a conversation on its own thread as a real app does: each round is one
 * connection or request from the last seq it received; when it ends (or fails) the next one starts from
 * there, on the next replica when there are several.
 */
public abstract class LoopingReceiver implements Receiver {

    protected final List<Received> received = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean closed;
    private volatile int replica;

    protected LoopingReceiver(String name, long after) {
        this.thread = new Thread(() -> loop(after), name);
        this.thread.setDaemon(true);
    }

    /** Starts the loop; subclasses call it once they are fully constructed. */
    protected void begin() {
        thread.start();
    }

    private void loop(long after) {
        long cursor = after;
        while (!closed) {
            try {
                if (!round(cursor)) {
                    return;
                }
            } catch (Exception e) {
                if (closed) {
                    return;
                }
                nextReplica();
                sleep(100);
            }
            cursor = cursor();
            if (!closed) {
                sleep(pauseMillis());
            }
        }
    }

    /** One connection or request from {@code cursor}, until it ends; false stops the loop for good. */
    protected abstract boolean round(long cursor) throws Exception;

    /** Between two rounds (a client's own pacing, not a wait for a condition). */
    protected long pauseMillis() {
        return 100;
    }

    /** Which replica the next round goes to (an index to take modulo the number of replicas). */
    protected int replica() {
        return replica;
    }

    protected void nextReplica() {
        replica++;
    }

    protected boolean closed() {
        return closed;
    }

    /** Ends what the current round holds open (a stream, a socket), so the loop sees {@link #closed()}. */
    protected void interruptRound() {
    }

    @Override
    public List<Received> received() {
        return List.copyOf(received);
    }

    @Override
    public void close() {
        closed = true;
        interruptRound();
        thread.interrupt();
    }

    static void sleep(long millis) {
        LockSupport.parkNanos(millis * 1_000_000L);
    }
}
