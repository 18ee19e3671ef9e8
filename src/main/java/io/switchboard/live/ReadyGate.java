package io.switchboard.live;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Flow control for one connection: callers waiting for it to drain below its low-water mark are run when
 * the transport reports progress ({@link #progress()}). See {@link Sink#whenReady(Runnable)}.
 */
public final class ReadyGate {

    private final BooleanSupplier ready;
    private final List<Runnable> waiting = new ArrayList<>();
    private long waitingSince;

    public ReadyGate(BooleanSupplier ready) {
        this.ready = ready;
    }

    public boolean ready() {
        return ready.getAsBoolean();
    }

    public void whenReady(Runnable next) {
        synchronized (waiting) {
            if (!ready()) {
                if (waiting.isEmpty()) {
                    waitingSince = System.nanoTime();
                }
                waiting.add(next);
                return;
            }
        }
        next.run();
    }

    /**
     * Has a replay been waiting for this connection longer than {@code limit}? Then the client is not
     * reading at all, and the transport drops it as a slow consumer (it resumes from its cursor).
     */
    public boolean stalledLongerThan(Duration limit) {
        synchronized (waiting) {
            return !waiting.isEmpty() && System.nanoTime() - waitingSince > limit.toNanos();
        }
    }

    /** Something was written out: run whoever waited, if the connection is ready again. */
    public void progress() {
        List<Runnable> now;
        synchronized (waiting) {
            if (waiting.isEmpty() || !ready()) {
                return;
            }
            now = new ArrayList<>(waiting);
            waiting.clear();
        }
        now.forEach(Runnable::run);
    }
}
