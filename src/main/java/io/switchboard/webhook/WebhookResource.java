package io.switchboard.webhook;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.common.annotation.Blocking;
import io.switchboard.api.ApiException;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Params;
import io.switchboard.identity.Roles;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;

/** Webhook endpoints: admins register, change, inspect, rotate and replay them. */
@Tag(name = "webhooks")
@Path("/api/webhooks")
@RolesAllowed(Roles.ADMIN)
@Blocking
public class WebhookResource {

    /** {@code events}: any of the event types ({@code message.created}, {@code conversation.resolved}, …). */
    @RegisterForReflection
    public record WebhookRequest(String url, List<String> events, String description, Boolean enabled) {
    }

    @RegisterForReflection
    public record Replayed(long queued) {
    }

    @Inject
    Endpoints endpoints;

    @GET
    @Operation(operationId = "listWebhooks", summary = "Every webhook endpoint, with how its delivery is doing")
    public List<WebhookView> list() {
        return endpoints.list();
    }

    @GET
    @Path("/event-types")
    @Operation(operationId = "listWebhookEventTypes", summary = "The event types an endpoint can subscribe to")
    public List<String> types() {
        return java.util.Arrays.stream(WebhookKind.values()).map(WebhookKind::wire).toList();
    }

    @POST
    @APIResponse(responseCode = "201", description = "registered; `secret` is the signing secret (also at GET …/{id}/secret)",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = WebhookView.class)))
    @Operation(operationId = "createWebhook", summary = "Register a webhook endpoint")
    public Response create(WebhookRequest request) {
        WebhookRequest body = require(request);
        return Response.status(201).entity(endpoints.create(body.url(), body.events(), body.description())).build();
    }

    @GET
    @Path("/{id}")
    @Operation(operationId = "getWebhook", summary = "One webhook endpoint")
    public WebhookView get(@PathParam("id") String id) {
        return endpoints.get(id(id));
    }

    @GET
    @Path("/{id}/secret")
    @Operation(operationId = "getWebhookSecret", summary = "The endpoint with its signing secret, to set up a receiver")
    public WebhookView secret(@PathParam("id") String id) {
        return endpoints.secret(id(id));
    }

    @PATCH
    @Path("/{id}")
    @Operation(operationId = "updateWebhook", summary = "Change url, events, description; enable or disable")
    public WebhookView update(@PathParam("id") String id, WebhookRequest request) {
        WebhookRequest body = require(request);
        return endpoints.update(id(id), body.url(), body.events(), body.description(), body.enabled());
    }

    @DELETE
    @Path("/{id}")
    @APIResponse(responseCode = "204", description = "deleted, with its queue")
    @Operation(operationId = "deleteWebhook", summary = "Delete a webhook endpoint")
    public Response delete(@PathParam("id") String id) {
        endpoints.delete(id(id));
        return Response.noContent().build();
    }

    @POST
    @Path("/{id}/rotate-secret")
    @Operation(operationId = "rotateWebhookSecret", summary = "A new signing secret; the old one still signs for 24 h")
    public WebhookView rotate(@PathParam("id") String id) {
        return endpoints.rotate(id(id));
    }

    /** {@code ?after=N} (an event id) or {@code ?since=2026-11-30T08:00:00Z}: delivers those events again, in order. */
    @POST
    @Path("/{id}/replay")
    @Operation(operationId = "replayWebhook", summary = "Deliver again every retained event after a cursor or since a time")
    public Replayed replay(@PathParam("id") String id, @Context HttpServerRequest http) {
        Long after = Params.cursor("after", http.getParam("after")).stream().boxed().findFirst().orElse(null);
        String rawSince = http.getParam("since");
        Instant since = null;
        if (rawSince != null) {
            try {
                since = Instant.parse(rawSince);
            } catch (DateTimeParseException e) {
                throw new ApiException(ErrorCode.INVALID_DATE, "since is an instant such as 2026-11-30T08:00:00Z");
            }
        }
        return new Replayed(endpoints.replay(id(id), after, since));
    }

    private static WebhookRequest require(WebhookRequest request) {
        if (request == null) {
            throw new ApiException(ErrorCode.MISSING_BODY, "a JSON body {url, events, description?, enabled?} is required");
        }
        return request;
    }

    private static long id(String raw) {
        return Params.bounded(ErrorCode.WEBHOOK_NOT_FOUND, "id", raw, 0, 1, Integer.MAX_VALUE);
    }

}
