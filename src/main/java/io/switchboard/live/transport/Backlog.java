package io.switchboard.live.transport;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.vertx.core.http.HttpServerResponse;

/**
 * Watches a streaming response for a client that stopped reading: while the connection's write queue is
 * full, every event written only adds to what the server holds for it. After {@code max} such events in a
 * row the stream is dropped, so its backlog is bounded (about max × event size over Netty's high-water
 * mark); the client reconnects and resumes from its cursor.
 */
final class Backlog {

    private final HttpServerResponse response;
    private final int max;
    private final AtomicInteger overfull = new AtomicInteger();
    private final AtomicLong emitted = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    /** A replay waits while half the allowed backlog is queued (see Sink#whenReady). */
    final io.switchboard.live.ReadyGate gate;

    Backlog(HttpServerResponse response, int max) {
        this.response = response;
        this.max = max;
        this.gate = new io.switchboard.live.ReadyGate(() -> queued() < Math.max(1, max / 2));
    }

    void emitted() {
        emitted.incrementAndGet();
    }

    /** An item reached the response writer (it asked for it): it is no longer queued in the stream. */
    void delivered(Object item) {
        delivered.incrementAndGet();
        gate.progress();
    }

    long queued() {
        return emitted.get() - delivered.get();
    }

    boolean exceeded() {
        if (queued() > max) {
            return true;
        }
        if (response.writeQueueFull()) {
            return overfull.incrementAndGet() > max;
        }
        overfull.set(0);
        return false;
    }

    /** Ends the TCP connection at once: a graceful end would queue behind the backlog. */
    void drop() {
        response.close();
    }
}
