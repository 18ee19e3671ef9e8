package io.switchboard.live.transport;

import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;

import org.jboss.resteasy.reactive.RestMulti;

import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
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
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;

/**
 * Server-Sent Events: {@code message} events whose {@code id} is the seq, so a browser's EventSource
 * resumes by itself with {@code Last-Event-ID}; {@code conversation} events on status changes; a comment
 * heartbeat so proxies keep the stream open. A client that stops reading is dropped once
 * {@code switchboard.limits.max-pending-events} are queued for it, and resumes from its cursor.
 */
@Path("/api/conversations/{id}/events")
public class SseTransport {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(SseTransport.class);

    @Inject
    ConversationReader conversations;

    @Inject
    LiveHub hub;

    @Inject
    ConnectionRegistry registry;

    @Inject
    Callers callers;

    @Inject
    Frames frames;

    @Inject
    Vertx vertx;

    @Inject
    SwitchboardConfig config;

    static Runnable once(Runnable action) {
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        return () -> {
            if (done.compareAndSet(false, true)) {
                action.run();
            }
        };
    }

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RolesAllowed({ Roles.VISITOR, Roles.AGENT })
    @Blocking
    public RestMulti<OutboundSseEvent> stream(@PathParam("id") String id, @QueryParam("after") String after,
            @HeaderParam("Last-Event-ID") String lastEventId, @Context Sse sse, @Context HttpServerRequest request,
            @Context HttpServerResponse response) {
        long conversationId = Params.conversationId(id);
        // Last-Event-ID (the browser's own resume) wins over ?after= (the page's initial cursor).
        OptionalLong fromHeader = Params.cursor("Last-Event-ID", lastEventId);
        long cursor = fromHeader.isPresent() ? fromHeader.getAsLong() : Params.cursor("after", after).orElse(0);
        Caller caller = callers.current();
        conversations.visibleTo(caller, conversationId).await().atMost(Duration.ofSeconds(10));

        AtomicReference<MultiEmitter<? super OutboundSseEvent>> stream = new AtomicReference<>();
        Backlog backlog = new Backlog(response, config.limits().maxPendingEvents());
        LiveConnection connection = registry.admit(caller.key(), callers.tokenHash(), ClientAddress.of(request),
                Transport.sse, caller.expiresAt(), (code, reason) -> {
                    MultiEmitter<? super OutboundSseEvent> emitter = stream.get();
                    if (emitter != null) {
                        emitter.emit(sse.newEventBuilder().name("close")
                                .data(frames.write(new Frames.Closing(code, reason))).build());
                        emitter.complete();
                    }
                });
        Multi<OutboundSseEvent> events = Multi.createFrom().<OutboundSseEvent> emitter(emitter -> {
            stream.set(emitter);
            // Flushes the headers at once, so EventSource.onopen fires before the first message.
            emitter.emit(sse.newEventBuilder().comment("connected").build());
            AtomicReference<Runnable> cleanup = new AtomicReference<>(() -> {
            });
            Subscription subscription = hub.subscribe(conversationId, cursor, Transport.sse, new Sink() {
                @Override
                public boolean ready() {
                    return backlog.gate.ready();
                }

                @Override
                public void whenReady(Runnable next) {
                    backlog.gate.whenReady(next);
                }

                @Override
                public void message(MessageView message) {
                    if (backlog.exceeded()) {
                        LOG.warnf("dropping slow SSE consumer identity=%s queued=%d", caller.key(), backlog.queued());
                        cleanup.get().run();
                        backlog.drop();
                        return;
                    }
                    backlog.emitted();
                    emitter.emit(sse.newEventBuilder().id(Long.toString(message.seq())).name("message")
                            .data(frames.write(message)).build());
                }

                @Override
                public void conversation(ConversationView conversation) {
                    emitter.emit(sse.newEventBuilder().name("conversation").data(frames.write(conversation)).build());
                }

                @Override
                public void typing(io.switchboard.live.Typing typing) {
                    emitter.emit(sse.newEventBuilder().name("typing").data(frames.write(new Frames.Typing(typing))).build());
                }

                @Override
                public void viewing(io.switchboard.live.Typing viewing) {
                    emitter.emit(sse.newEventBuilder().name("viewing").data(frames.write(new Frames.Viewing(viewing))).build());
                }

                @Override
                public void read(io.switchboard.conversation.ReadReceipt receipt) {
                    emitter.emit(sse.newEventBuilder().name("read").data(frames.write(new Frames.Read(receipt))).build());
                }
            });
            java.time.Duration stall = config.sse().heartbeat().multipliedBy(2);
            long heartbeat = vertx.setPeriodic(config.sse().heartbeat().toMillis(), t -> {
                if (backlog.gate.stalledLongerThan(stall)) {
                    LOG.warnf("dropping SSE consumer that stopped reading during a replay identity=%s", caller.key());
                    cleanup.get().run();
                    backlog.drop();
                    return;
                }
                emitter.emit(sse.newEventBuilder().comment("heartbeat").build());
            });
            cleanup.set(once(() -> {
                vertx.cancelTimer(heartbeat);
                subscription.close();
                registry.release(connection);
            }));
            emitter.onTermination(() -> cleanup.get().run());
        }, config.limits().maxPendingEvents() + 16);
        // Set on the response itself: the SSE writer does not copy RestMulti headers.
        response.putHeader("X-Accel-Buffering", "no");
        response.putHeader("Cache-Control", "no-cache");
        return RestMulti.fromMultiData(events.onItem().invoke(backlog::delivered)).build();
    }
}
