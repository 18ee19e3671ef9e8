package io.switchboard.identity;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.switchboard.api.ApiException;
import io.switchboard.api.ClientAddress;
import io.switchboard.api.ErrorCode;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** Anonymous visitor identities: no sign-up, just a token. */
@Tag(name = "visitors")
@Path("/api/visitors")
public class VisitorResource {

    @RegisterForReflection
    public record VisitorDetails(String name, String email) {
    }

    @Inject
    Visitors visitors;

    @Inject
    Callers callers;

    @Inject
    Cookies cookies;

    @Inject
    ObjectMapper json;

    /** Creates a visitor; the token comes back in the body (mobile) and as an HttpOnly cookie (browsers). */
    @POST
    @Consumes(MediaType.WILDCARD)
    @APIResponse(responseCode = "201", description = "the new visitor and its token (also set as the `sb_visitor` cookie)",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = VisitorSession.class)))
    @Operation(operationId = "createVisitor", summary = "Create a visitor and its token")
    public Response create(@RequestBody(required = false, description = "optional: a bare POST creates an anonymous visitor",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = VisitorDetails.class))) String body,
            @Context HttpServerRequest http) {
        VisitorDetails details = parse(body);
        VisitorSession session = visitors.create(details == null ? null : details.name(),
                details == null ? null : details.email(), ClientAddress.of(http));
        return Response.status(201).entity(session).cookie(cookies.visitor(session.token())).build();
    }

    /** The body is optional (a bare POST creates an anonymous visitor), so it is read leniently. */
    private VisitorDetails parse(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return json.readValue(body, VisitorDetails.class);
        } catch (JsonProcessingException e) {
            throw new ApiException(ErrorCode.MALFORMED_JSON, "the body is not {\"name\", \"email\"}");
        }
    }

    @GET
    @Path("/me")
    @RolesAllowed(Roles.VISITOR)
    @Operation(operationId = "getCurrentVisitor", summary = "The visitor this token belongs to")
    public VisitorView me() {
        return visitors.find(callers.current().id());
    }

    /**
     * Agents: who the visitor is and where (name, e-mail, first and last seen, the page they are on, referrer,
     * browser, language, time zone).
     */
    @GET
    @Path("/{id}")
    @RolesAllowed(Roles.AGENT)
    @Operation(operationId = "getVisitor", summary = "A visitor's details and context, for agents")
    public VisitorProfile byId(@PathParam("id") String id) {
        return visitors.forAgent(visitorId(id));
    }

    /** Agents: correct a visitor's name or e-mail (the visitor's own rules; consoles show it at once). */
    @PATCH
    @Path("/{id}")
    @RolesAllowed(Roles.AGENT)
    @Operation(operationId = "updateVisitor", summary = "Set a visitor's name and e-mail, for agents")
    public VisitorProfile updateById(@PathParam("id") String id, VisitorDetails details) {
        return visitors.updateByAgent(visitorId(id), details == null ? null : details.name(), details == null ? null : details.email());
    }

    /** The widget: where the visitor is now (on load and on each navigation); 204. */
    @PUT
    @Path("/me/context")
    @RolesAllowed(Roles.VISITOR)
    @APIResponse(responseCode = "204", description = "recorded")
    @Operation(operationId = "reportVisitorContext", summary = "Report the page the visitor is on, its referrer, language and time zone")
    public Response context(VisitorContext context, @Context HttpServerRequest http) {
        if (context == null) {
            throw new ApiException(ErrorCode.MISSING_BODY, "a JSON body {url, title, referrer, language, timeZone} is required");
        }
        visitors.reportContext(callers.current().id(), context, http.getHeader("User-Agent"));
        return Response.noContent().build();
    }

    private static long visitorId(String id) {
        try {
            return Long.parseLong(id);
        } catch (NumberFormatException e) {
            throw new ApiException(ErrorCode.VISITOR_NOT_FOUND, "no such visitor");
        }
    }

    @PATCH
    @Path("/me")
    @RolesAllowed(Roles.VISITOR)
    @Operation(operationId = "updateCurrentVisitor", summary = "Set the visitor's name and e-mail")
    public VisitorView update(VisitorDetails details) {
        return visitors.update(callers.current().id(), details == null ? null : details.name(),
                details == null ? null : details.email());
    }
}
