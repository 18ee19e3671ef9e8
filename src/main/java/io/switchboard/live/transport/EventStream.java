package io.switchboard.live.transport;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.smallrye.mutiny.Multi;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.identity.Caller;
import io.switchboard.live.ClientSession;
import io.switchboard.live.ClientSessions;
import io.switchboard.live.Frame;
import io.switchboard.live.Transport;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The machinery of the streaming transports (SSE, iframe): one client session over a never-ending response,
 * a heartbeat that also finds clients that stopped reading, and cleanup once. What differs per transport is
 * only how a frame is written ({@link Encoder}).
 */
@ApplicationScoped
public class EventStream {

    /** How one transport writes frames. */
    public interface Encoder<T> {
        /** What the stream starts with (flushes the headers at once). */
        List<T> opening(long after);

        T encode(Frame frame);

        T heartbeat();

        /** The last items of a stream the server ends. */
        default List<T> closing(Frame last) {
            return List.of(encode(last));
        }

        /** Has this response used up its budget (bytes)? It then ends with {@link #reopen()}. */
        default boolean spent() {
            return false;
        }

        /** The frame that asks the client to reopen the stream from its cursor. */
        default Frame reopen() {
            throw new IllegalStateException("this stream never ends by itself");
        }

        /** How long one response may last; {@code null}: as long as the client stays. */
        default Duration lifetime() {
            return null;
        }
    }

    @Inject ClientSessions sessions;
    @Inject SwitchboardConfig config;
    @Inject Vertx vertx;
    @Inject CurrentVertxRequest request;

    /**
     * Admits the client (throwing 429 or 503 before the response starts), then streams a conversation from
     * {@code after}, or for {@code conversationId == null} an agent's feed.
     */
    public <T> Multi<T> open(Caller caller, String tokenHash, String ip, Transport transport, Long conversationId,
            long after, Duration heartbeat, HttpServerResponse response, Encoder<T> encoder) {
        StreamSink<T> sink = new StreamSink<>(encoder, response, request.getCurrent().request().connection(),
                config.limits().maxPendingEvents());
        ClientSession session = sessions.open(caller, tokenHash, ip, transport, sink);
        Multi<T> items = Multi.createFrom().<T> emitter(emitter -> {
            sink.attach(emitter, session, after);
            if (conversationId == null) {
                session.followFeed();
            } else {
                session.resume(conversationId, after);
            }
            // One timer per stream: it ticks often enough to see a stalled replay within replay-stall-timeout,
            // and sends a heartbeat every `heartbeat`.
            Duration stall = config.limits().replayStallTimeout();
            long tick = Math.max(100, Math.min(heartbeat.toMillis(), stall.toMillis() / 2));
            long ticksPerBeat = Math.max(1, heartbeat.toMillis() / tick);
            AtomicLong ticks = new AtomicLong();
            long beat = vertx.setPeriodic(tick, t -> sink.tick(stall, ticks.incrementAndGet() % ticksPerBeat == 0));
            long deadline = encoder.lifetime() == null ? -1
                    : vertx.setTimer(encoder.lifetime().toMillis(), t -> sink.end(encoder.reopen()));
            emitter.onTermination(() -> {
                vertx.cancelTimer(beat);
                if (deadline >= 0) {
                    vertx.cancelTimer(deadline);
                }
                session.close();
            });
        }, config.limits().maxPendingEvents() + 16);
        return items.onItem().invoke(sink::delivered);
    }
}
