package io.switchboard.live.transport;

import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestMulti;

import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.switchboard.api.ClientAddress;
import io.switchboard.api.Params;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.conversation.ConversationReader;
import io.switchboard.identity.Caller;
import io.switchboard.identity.Callers;
import io.switchboard.identity.Roles;
import io.switchboard.live.Frame;
import io.switchboard.live.FrameWriter;
import io.switchboard.live.Transport;
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
 * Server-Sent Events: every frame is an event named by its {@code type} whose {@code data} is the frame's
 * JSON; {@code message} events carry the seq as {@code id}, so a browser's EventSource resumes by itself
 * with {@code Last-Event-ID}. A comment heartbeat keeps proxies from closing the stream.
 */
@Tag(name = "streams")
@Path("/api/conversations/{id}/events")
public class SseTransport {

    @Inject ConversationReader conversations;
    @Inject EventStream streams;
    @Inject Callers callers;
    @Inject FrameWriter frames;
    @Inject SwitchboardConfig config;

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RolesAllowed({ Roles.VISITOR, Roles.AGENT })
    @Blocking
    @APIResponse(responseCode = "200", description = "one event per frame (see the AsyncAPI document, /asyncapi.yaml); never ends on its own",
            content = @Content(mediaType = "text/event-stream", schema = @Schema(type = SchemaType.STRING)))
    @Operation(operationId = "streamEvents", summary = "A conversation's frames as Server-Sent Events")
    public RestMulti<OutboundSseEvent> stream(@PathParam("id") String id, @QueryParam("after") String after,
            @HeaderParam("Last-Event-ID") String lastEventId, @Context Sse sse, @Context HttpServerRequest request,
            @Context HttpServerResponse response) {
        long conversationId = Params.conversationId(id);
        // Last-Event-ID (the browser's own resume) wins over ?after= (the page's initial cursor).
        OptionalLong fromHeader = Params.cursor("Last-Event-ID", lastEventId);
        long cursor = fromHeader.isPresent() ? fromHeader.getAsLong() : Params.cursor("after", request.getParam("after")).orElse(0);
        Caller caller = callers.current();
        conversations.visibleTo(caller, conversationId).await().atMost(Duration.ofSeconds(10));
        return respond(streams.open(caller, callers.tokenHash(), ClientAddress.of(request), Transport.sse,
                conversationId, cursor, config.sse().heartbeat(), response, encoder(sse, frames)), response);
    }

    /** Headers go on the response itself: the SSE writer does not copy RestMulti headers. */
    static RestMulti<OutboundSseEvent> respond(Multi<OutboundSseEvent> events,
            HttpServerResponse response) {
        response.putHeader("X-Accel-Buffering", "no");
        response.putHeader("Cache-Control", "no-cache");
        return RestMulti.fromMultiData(events).build();
    }

    static EventStream.Encoder<OutboundSseEvent> encoder(Sse sse, FrameWriter frames) {
        return new EventStream.Encoder<>() {
            @Override
            public List<OutboundSseEvent> opening(long after) {
                return List.of(sse.newEventBuilder().comment("connected").build());
            }

            @Override
            public OutboundSseEvent encode(Frame frame) {
                OutboundSseEvent.Builder event = sse.newEventBuilder().name(frame.type()).data(frames.write(frame));
                if (frame instanceof Frame.Message m) {
                    event.id(Long.toString(m.message().seq()));
                }
                return event.build();
            }

            @Override
            public OutboundSseEvent heartbeat() {
                return sse.newEventBuilder().comment("heartbeat").build();
            }
        };
    }
}
