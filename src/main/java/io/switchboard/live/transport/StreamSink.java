package io.switchboard.live.transport;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.jboss.logging.Logger;

import io.smallrye.mutiny.subscription.MultiEmitter;
import io.switchboard.live.ClientSession;
import io.switchboard.live.Frame;
import io.switchboard.live.GatedSink;
import io.vertx.core.http.HttpServerResponse;

/**
 * A never-ending HTTP response (SSE, iframe) as a {@link Sink}, with its budget: a client that stops reading
 * is dropped once {@code max-pending-events} are queued for it (or as many are written while the
 * connection's write queue is full), and a replay is written only while less than half of that is queued.
 */
final class StreamSink<T> extends GatedSink {

    private static final Logger LOG = Logger.getLogger(StreamSink.class);

    private final EventStream.Encoder<T> encoder;
    private final HttpServerResponse response;
    private final int max;
    private final AtomicLong emitted = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicInteger overfull = new AtomicInteger();
    private MultiEmitter<? super T> emitter;
    private ClientSession session;
    private boolean finished;

    StreamSink(EventStream.Encoder<T> encoder, HttpServerResponse response, int max) {
        this.encoder = encoder;
        this.response = response;
        this.max = max;
    }

    synchronized void attach(MultiEmitter<? super T> emitter, ClientSession session, long after) {
        this.emitter = emitter;
        this.session = session;
        encoder.opening(after).forEach(this::emit);
    }

    @Override
    protected boolean hasRoom() {
        return queued() < Math.max(1, max / 2);
    }

    @Override
    public synchronized void send(Frame frame) {
        if (finished || emitter == null) {
            return;
        }
        if (exceeded()) {
            drop("queued=" + queued());
            return;
        }
        emit(encoder.encode(frame));
        if (encoder.spent()) {
            end(encoder.reopen());
        }
    }

    /** Not under this sink's lock: a drop closes the session, whose subscription may be delivering to it. */
    void heartbeat(Duration stall) {
        if (gate.stalledLongerThan(stall)) {
            drop("stopped reading during a replay");
            return;
        }
        synchronized (this) {
            if (!finished) {
                emit(encoder.heartbeat());
            }
        }
    }

    /** The server ends the stream: revocation, expiry, shutdown (a close frame), or a spent budget. */
    @Override
    public void close(int code, String reason) {
        end(new Frame.Close(code, reason));
    }

    /**
     * The last frames under this sink's lock; the completion outside it: completing runs the stream's
     * cleanup (the session closes its subscription), while a subscription delivering to this sink holds its
     * own lock and waits for this one.
     */
    void end(Frame last) {
        synchronized (this) {
            if (finished || emitter == null) {
                return;
            }
            encoder.closing(last).forEach(this::emit);
            finished = true;
        }
        emitter.complete();
    }

    /** Ends the session and the TCP connection at once: a graceful end would queue behind the backlog. */
    private void drop(String why) {
        synchronized (this) {
            if (finished) {
                return;
            }
            finished = true;
        }
        LOG.warnf("dropping slow stream consumer identity=%s (%s)", session.caller().key(), why);
        session.close();
        response.close();
    }

    private void emit(T item) {
        emitted.incrementAndGet();
        emitter.emit(item);
    }

    /** The response writer took an item: it is no longer queued in the stream. */
    void delivered(Object item) {
        delivered.incrementAndGet();
        gate.progress();
    }

    private long queued() {
        return emitted.get() - delivered.get();
    }

    private boolean exceeded() {
        if (queued() > max) {
            return true;
        }
        if (response.writeQueueFull()) {
            return overfull.incrementAndGet() > max;
        }
        overfull.set(0);
        return false;
    }

}
