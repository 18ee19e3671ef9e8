package io.switchboard.live.transport;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestMulti;

import io.switchboard.api.ClientAddress;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.identity.Callers;
import io.switchboard.identity.Roles;
import io.switchboard.live.FrameWriter;
import io.switchboard.live.Transport;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;

/**
 * The agents' feed on the streaming HTTP transports, what a WebSocket agent gets unless {@code feed=off}:
 * {@code conversation} (created, status, assignee), {@code activity} (a message arrived: unread counts) and
 * {@code presence} frames, so the console's lists stay live on SSE and iframe too. An open feed counts as
 * the agent being connected.
 */
@Tag(name = "streams")
@Path("/api/feed")
@RolesAllowed(Roles.AGENT)
public class FeedTransport {

    @Inject EventStream streams;
    @Inject IframeStreamTransport iframe;
    @Inject Callers callers;
    @Inject FrameWriter frames;
    @Inject SwitchboardConfig config;

    @GET
    @Path("/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @APIResponse(responseCode = "200", description = "conversation, activity and presence frames as events; never ends on its own",
            content = @Content(mediaType = "text/event-stream", schema = @Schema(type = SchemaType.STRING)))
    @Operation(operationId = "streamFeed", summary = "The agents' feed as Server-Sent Events")
    public RestMulti<OutboundSseEvent> events(@Context Sse sse, @Context HttpServerRequest request,
            @Context HttpServerResponse response) {
        return SseTransport.respond(streams.open(callers.current(), callers.tokenHash(), ClientAddress.of(request),
                Transport.sse, null, 0, config.sse().heartbeat(), response, SseTransport.encoder(sse, frames)), response);
    }

    @GET
    @Path("/iframe-stream")
    @Produces(MediaType.TEXT_HTML + ";charset=utf-8")
    @APIResponse(responseCode = "200", description = "an HTML document of script calls, one per frame",
            content = @Content(mediaType = "text/html", schema = @Schema(type = SchemaType.STRING)))
    @Operation(operationId = "streamFeedIframe", summary = "The agents' feed as an iframe stream")
    public RestMulti<String> iframe(@QueryParam("callback") String callback, @Context HttpServerRequest request,
            @Context HttpServerResponse response) {
        return iframe.open(callers.current(), null, 0, callback, request, response);
    }
}
