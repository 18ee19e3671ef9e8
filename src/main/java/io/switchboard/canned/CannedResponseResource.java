package io.switchboard.canned;

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
import io.switchboard.identity.Callers;
import io.switchboard.identity.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;

/** Canned responses over REST: agents only. */
@Tag(name = "canned responses")
@Path("/api/canned-responses")
@RolesAllowed(Roles.AGENT)
@Blocking
public class CannedResponseResource {

    /** {@code scope} on create only: {@code personal} (default) or {@code shared} (admins). */
    @RegisterForReflection
    public record CannedResponseRequest(String shortcut, String text, String scope) {
    }

    @Inject
    CannedResponses canned;

    @Inject
    Callers callers;

    @GET
    @Operation(operationId = "listCannedResponses", summary = "The team's canned responses and the caller's own, by shortcut")
    public List<CannedResponseView> list() {
        return canned.visibleTo(callers.agent());
    }

    @POST
    @APIResponse(responseCode = "201", description = "saved",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = CannedResponseView.class)))
    @Operation(operationId = "createCannedResponse", summary = "Save a canned response (shared ones: admins)")
    public Response create(CannedResponseRequest request) {
        CannedResponseRequest body = require(request);
        return Response.status(201).entity(canned.create(callers.agent(), body.shortcut(), body.text(), body.scope())).build();
    }

    @PUT
    @Path("/{id}")
    @Operation(operationId = "updateCannedResponse", summary = "Change a canned response's shortcut and/or text")
    public CannedResponseView update(@PathParam("id") String id, CannedResponseRequest request) {
        CannedResponseRequest body = require(request);
        return canned.update(callers.agent(), id(id), body.shortcut(), body.text());
    }

    @DELETE
    @Path("/{id}")
    @APIResponse(responseCode = "204", description = "deleted")
    @Operation(operationId = "deleteCannedResponse", summary = "Delete a canned response")
    public Response delete(@PathParam("id") String id) {
        canned.delete(callers.agent(), id(id));
        return Response.noContent().build();
    }

    private static CannedResponseRequest require(CannedResponseRequest request) {
        if (request == null) {
            throw new ApiException(ErrorCode.MISSING_BODY, "a JSON body with shortcut and text is required");
        }
        return request;
    }

    private static long id(String raw) {
        return Params.bounded(ErrorCode.CANNED_RESPONSE_NOT_FOUND, "id", raw, 0, 1, Integer.MAX_VALUE);
    }
}
