package io.switchboard.live.transport;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import org.jboss.resteasy.reactive.RestMulti;

import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.switchboard.api.ApiException;
import io.switchboard.api.Params;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.conversation.ConversationReader;
import io.switchboard.conversation.ConversationView;
import io.switchboard.identity.Caller;
import io.switchboard.identity.Callers;
import io.switchboard.identity.Roles;
import io.switchboard.live.ConnectionRegistry;
import io.switchboard.live.LiveConnection;
import io.switchboard.live.LiveHub;
import io.switchboard.live.Sink;
import io.switchboard.live.Subscription;
import io.switchboard.live.Transport;
import io.switchboard.message.MessageView;
import io.switchboard.security.SecurityHeaders;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;

/**
 * The "forever frame": an HTML document loaded in a hidden iframe that never finishes. Each frame is a
 * {@code <script>} calling {@code parent.<callback>(frame)}. Padding first, so old browsers render early;
 * a heartbeat; and after a bounded size or time a {@code reconnect} frame with the cursor, then the end of
 * the document, so the client reopens the frame and the document cannot grow without bound.
 */
@Path("/api/conversations/{id}/iframe-stream")
public class IframeStreamTransport {

    private static final Pattern CALLBACK = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]{0,63}");

    @Inject
    ConversationReader conversations;

    @Inject
    LiveHub hub;

    @Inject
    ConnectionRegistry registry;

    @Inject
    SecurityHeaders headers;

    private final java.security.SecureRandom random = new java.security.SecureRandom();

    @Inject
    Callers callers;

    @Inject
    Frames frames;

    @Inject
    Vertx vertx;

    @Inject
    SwitchboardConfig config;

    @GET
    @Produces(MediaType.TEXT_HTML + ";charset=utf-8")
    @RolesAllowed({ Roles.VISITOR, Roles.AGENT })
    @Blocking
    public RestMulti<String> stream(@PathParam("id") String id, @QueryParam("after") String after,
            @QueryParam("callback") String callback, @Context HttpServerRequest request,
            @Context io.vertx.core.http.HttpServerResponse response) {
        long conversationId = Params.conversationId(id);
        long cursor = Params.cursor("after", after).orElse(0);
        String function = callback == null || callback.isBlank() ? "switchboardFrame" : callback;
        if (!CALLBACK.matcher(function).matches()) {
            throw ApiException.badRequest("invalid_callback", "callback must be a plain JavaScript identifier");
        }
        Caller caller = callers.current();
        conversations.visibleTo(caller, conversationId).await().atMost(Duration.ofSeconds(10));
        String nonce = nonce();

        AtomicReference<Stream> open = new AtomicReference<>();
        LiveConnection connection = registry.admit(caller.key(), callers.tokenHash(), ClientAddress.of(request),
                Transport.iframe, caller.expiresAt(), (code, reason) -> {
                    Stream stream = open.get();
                    if (stream != null) {
                        stream.frame(new Frames.Closing(code, reason));
                        stream.finish();
                    }
                });
        Backlog backlog = new Backlog(response, config.limits().maxPendingEvents());
        Multi<String> chunks = Multi.createFrom().<String> emitter(emitter -> {
            Stream stream = new Stream(emitter, function, nonce, cursor, backlog, caller.key());
            open.set(stream);
            emitter.emit(prelude());
            // Tells the page at once that the stream works (an iframe's load event only fires at the end).
            stream.frame(new Frames.Control("open", cursor));
            Subscription subscription = hub.subscribe(conversationId, cursor, Transport.iframe, stream);
            java.time.Duration stall = config.iframe().heartbeat().multipliedBy(2);
            long heartbeat = vertx.setPeriodic(config.iframe().heartbeat().toMillis(), t -> {
                if (backlog.gate.stalledLongerThan(stall)) {
                    stream.drop();
                    return;
                }
                stream.frame(new Frames.Control("heartbeat", null));
            });
            long deadline = vertx.setTimer(config.iframe().maxDuration().toMillis(), t -> stream.finish());
            Runnable cleanup = SseTransport.once(() -> {
                vertx.cancelTimer(heartbeat);
                vertx.cancelTimer(deadline);
                subscription.close();
                registry.release(connection);
            });
            stream.onDrop(cleanup);
            emitter.onTermination(cleanup);
        }, config.limits().maxPendingEvents() + 16);
        return RestMulti.fromMultiData(chunks.onItem().invoke(backlog::delivered))
                // Only this response's own script chunks may run; the page may be framed where configured.
                .header("Content-Security-Policy", "default-src 'none'; script-src 'nonce-" + nonce + "'; frame-ancestors "
                        + headers.frameAncestors())
                .header("X-Accel-Buffering", "no")
                .header("Cache-Control", "no-cache, no-store")
                .build();
    }

    private String nonce() {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        return java.util.Base64.getEncoder().encodeToString(bytes);
    }

    private String prelude() {
        return "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>switchboard</title></head><body>\n<!-- "
                + " ".repeat(Math.max(0, config.iframe().padding())) + " -->\n";
    }

    /** One open frame: writes script chunks and ends itself when its byte budget is spent. */
    private final class Stream implements Sink {
        private final MultiEmitter<? super String> emitter;
        private final String function;
        private final String nonce;
        private final AtomicLong cursor;
        private final AtomicLong bytes = new AtomicLong();
        private final AtomicBoolean finished = new AtomicBoolean();

        private final Backlog backlog;
        private final String identity;
        private volatile Runnable onDrop = () -> {
        };

        void onDrop(Runnable action) {
            this.onDrop = action;
        }

        @Override
        public boolean ready() {
            return backlog.gate.ready();
        }

        @Override
        public void whenReady(Runnable next) {
            backlog.gate.whenReady(next);
        }

        Stream(MultiEmitter<? super String> emitter, String function, String nonce, long cursor, Backlog backlog,
                String identity) {
            this.backlog = backlog;
            this.identity = identity;
            this.emitter = emitter;
            this.function = function;
            this.nonce = nonce;
            this.cursor = new AtomicLong(cursor);
        }

        void drop() {
            org.jboss.logging.Logger.getLogger(IframeStreamTransport.class)
                    .warnf("dropping slow iframe consumer identity=%s", identity);
            finished.set(true);
            onDrop.run();
            backlog.drop();
        }

        @Override
        public void message(MessageView message) {
            if (backlog.exceeded()) {
                drop();
                return;
            }
            cursor.set(message.seq());
            frame(new Frames.Message(message));
            if (bytes.get() >= config.iframe().maxBytes()) {
                finish();
            }
        }

        @Override
        public void conversation(ConversationView conversation) {
            frame(new Frames.Conversation(conversation));
        }

        @Override
        public void typing(io.switchboard.live.Typing typing) {
            frame(new Frames.Typing(typing));
        }

        @Override
        public void viewing(io.switchboard.live.Typing viewing) {
            frame(new Frames.Viewing(viewing));
        }

        @Override
        public void read(io.switchboard.conversation.ReadReceipt receipt) {
            frame(new Frames.Read(receipt));
        }

        synchronized void frame(Object frame) {
            if (finished.get()) {
                return;
            }
            String chunk = "<script nonce=\"" + nonce + "\">parent." + function + "(" + scriptSafe(frames.write(frame)) + ");</script>\n";
            bytes.addAndGet(chunk.getBytes(StandardCharsets.UTF_8).length);
            backlog.emitted();
            emitter.emit(chunk);
        }

        synchronized void finish() {
            frame(new Frames.Control("reconnect", cursor.get()));
            if (finished.compareAndSet(false, true)) {
                emitter.emit("</body></html>\n");
                emitter.complete();
            }
        }
    }

    /**
     * JSON is valid JavaScript, but inside a script element {@code </script>} or {@code <!--} in a message
     * would end or confuse the element. Escaping these characters keeps message text inert.
     */
    static String scriptSafe(String json) {
        StringBuilder out = new StringBuilder(json.length() + 16);
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            switch (c) {
                case '<' -> out.append("\\u003c");
                case '>' -> out.append("\\u003e");
                case '&' -> out.append("\\u0026");
                case '\u2028' -> out.append("\\u2028");
                case '\u2029' -> out.append("\\u2029");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
