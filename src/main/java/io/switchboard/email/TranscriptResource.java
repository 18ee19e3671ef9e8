package io.switchboard.email;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.smallrye.common.annotation.Blocking;
import io.switchboard.api.ClientAddress;
import io.switchboard.api.Params;
import io.switchboard.identity.Callers;
import io.switchboard.identity.Roles;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;

/** A conversation's transcript by e-mail, asked for by its visitor or an agent. */
@Tag(name = "e-mail")
@Path("/api/conversations/{id}/transcript")
@Blocking
public class TranscriptResource {

    @Inject
    Emails emails;

    @Inject
    Callers callers;

    /**
     * The visitor (their own) or any agent: a transcript to the visitor's address, once it is verified (the site's
     * signed identity's, or confirmed by a link sent to it first). 202: queued, or held for the confirmation.
     */
    @POST
    @RolesAllowed({ Roles.VISITOR, Roles.AGENT })
    @APIResponse(responseCode = "202", description = "queued: it goes out within seconds (retried if the mail server is away); "
            + "with awaitingConfirmation, a link to confirm the address went out first and the transcript follows its use",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = Emails.Queued.class)))
    @Operation(operationId = "emailTranscript", summary = "E-mail the conversation's transcript to its visitor")
    public Response transcript(@PathParam("id") String id, @Context HttpServerRequest request) {
        return Response.accepted(emails.requestTranscript(callers.current(), Params.conversationId(id), ClientAddress.of(request)))
                .build();
    }

}
