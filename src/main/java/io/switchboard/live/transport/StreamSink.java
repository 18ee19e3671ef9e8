package io.switchboard.live.transport;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.jboss.logging.Logger;

import io.netty.channel.ChannelOption;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.switchboard.live.ClientSession;
import io.switchboard.live.Frame;
import io.switchboard.live.GatedSink;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * A never-ending HTTP response (SSE, iframe) as a {@link Sink}, with its budget: a client that stops reading
 * is dropped once {@code max-pending-events} are queued for it (or as many are written while the
 * connection's write queue is full), and a replay is written only while less than half of that is queued.
 */
final class StreamSink<T> extends GatedSink {

    private static final Logger LOG = Logger.getLogger(StreamSink.class);

    private final EventStream.Encoder<T> encoder;
    private final HttpServerResponse response;
    private final HttpConnection connection;
    private final int max;
    private final AtomicLong emitted = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicInteger overfull = new AtomicInteger();
    private MultiEmitter<? super T> emitter;
    private ClientSession session;
    private boolean finished;

    StreamSink(EventStream.Encoder<T> encoder, HttpServerResponse response, HttpConnection connection, int max) {
        this.encoder = encoder;
        this.response = response;
        this.connection = connection;
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

    /**
     * The stream's timer: drops a client whose replay stalled longer than {@code stall}, and writes a heartbeat
     * when {@code beat}. Not under this sink's lock: a drop closes the session, whose subscription may be
     * delivering to it.
     */
    void tick(Duration stall, boolean beat) {
        if (gate.stalledLongerThan(stall)) {
            drop("stopped reading during a replay");
            return;
        }
        if (beat) {
            synchronized (this) {
                if (!finished) {
                    emit(encoder.heartbeat());
                }
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
        // The TCP connection itself, at once: Vert.x closes gracefully (flush first), and a client that does
        // not read never lets the flush end (the socket stayed ESTABLISHED with its backlog).
        if (connection instanceof ConnectionBase base) {
            // SO_LINGER 0: the kernel drops the unsent backlog and resets the connection, instead of keeping
            // the socket (and megabytes of send buffer) for a peer that does not read.
            base.channel().config().setOption(ChannelOption.SO_LINGER, 0);
            // From the head of the pipeline: Vert.x's handler at the tail turns a close into "flush, then close",
            // and the flush never ends for a client that does not read.
            base.channel().pipeline().firstContext().close();
        } else {
            response.close();
        }
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
