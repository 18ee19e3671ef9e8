package io.switchboard.live.transport;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;

import org.jboss.logging.Logger;

import io.vertx.core.Vertx;

/**
 * The frames one WebSocket client sent that are not handled yet: taken off the socket on the event loop,
 * handled one at a time and in order on a worker thread (or at once on the event loop, when nothing waits
 * and the frame cannot block), and bounded: per connection
 * ({@code inbound-frames}, {@code inbound-bytes}) and for all connections together
 * ({@code inbound-bytes-total}, the {@code total} shared by every Inbound). A client that sends faster than
 * its frames can be handled fills it, and is then closed (1008) instead of making the server queue for it:
 * every frame type counts.
 */
final class Inbound {

    private static final Logger LOG = Logger.getLogger(Inbound.class);

    private final ArrayDeque<String> frames = new ArrayDeque<>();
    private final int maxFrames;
    private final long maxBytes;
    private final AtomicLong total;
    private final long maxTotal;
    private final Vertx vertx;
    private final Predicate<String> now;
    private final Consumer<String> handler;
    private long bytes;
    private boolean handling;

    Inbound(int maxFrames, long maxBytes, AtomicLong total, long maxTotal, Vertx vertx, Predicate<String> now,
            Consumer<String> handler) {
        this.now = now;
        this.maxFrames = maxFrames;
        this.maxBytes = maxBytes;
        this.total = total;
        this.maxTotal = maxTotal;
        this.vertx = vertx;
        this.handler = handler;
    }

    /**
     * On the connection's event loop. When nothing of this connection waits or is being handled, {@code now}
     * may handle the frame at once (true; order holds: every earlier frame is done). Otherwise the frame is
     * queued for a worker. False when it does not fit in the budget: the client must be stopped.
     */
    boolean offer(String frame) {
        boolean idle;
        synchronized (this) {
            // Only this thread starts a worker, so "idle" stays true while now runs.
            idle = !handling && frames.isEmpty();
        }
        if (idle && now.test(frame)) {
            return true;
        }
        synchronized (this) {
            if (frames.size() >= maxFrames || bytes + frame.length() > maxBytes) {
                return false;
            }
            if (total.addAndGet(frame.length()) > maxTotal) {
                total.addAndGet(-frame.length());
                return false;
            }
            frames.add(frame);
            bytes += frame.length();
            if (handling) {
                return true;
            }
            handling = true;
        }
        vertx.executeBlocking(this::handleAll, false);
        return true;
    }

    private Void handleAll() {
        while (true) {
            String next;
            synchronized (this) {
                next = frames.poll();
                if (next == null) {
                    handling = false;
                    return null;
                }
                bytes -= next.length();
                total.addAndGet(-next.length());
            }
            try {
                handler.accept(next);
            } catch (Throwable e) { // one frame's failure must not stop this connection's frames for good
                LOG.errorf(e, "inbound frame handling failed");
            }
        }
    }
}
