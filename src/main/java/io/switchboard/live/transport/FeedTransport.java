package io.switchboard.live.transport;

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
    public RestMulti<OutboundSseEvent> events(@Context Sse sse, @Context HttpServerRequest request,
            @Context HttpServerResponse response) {
        return SseTransport.respond(streams.open(callers.current(), callers.tokenHash(), ClientAddress.of(request),
                Transport.sse, null, 0, config.sse().heartbeat(), response, SseTransport.encoder(sse, frames)), response);
    }

    @GET
    @Path("/iframe-stream")
    @Produces(MediaType.TEXT_HTML + ";charset=utf-8")
    public RestMulti<String> iframe(@QueryParam("callback") String callback, @Context HttpServerRequest request,
            @Context HttpServerResponse response) {
        return iframe.open(callers.current(), null, 0, callback, request, response);
    }
}
