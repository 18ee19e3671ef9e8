package io.switchboard.email;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.common.annotation.Blocking;
import io.switchboard.api.Params;
import io.switchboard.identity.Callers;
import io.switchboard.identity.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
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

    /** Where a transcript is going. */
    @RegisterForReflection
    public record Queued(String to) {
    }

    /** The visitor (their own) or any agent: a transcript to the visitor's address. 202: queued. */
    @POST
    @RolesAllowed({ Roles.VISITOR, Roles.AGENT })
    @APIResponse(responseCode = "202", description = "queued: it goes out within seconds (retried if the mail server is away)",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = Queued.class)))
    @Operation(operationId = "emailTranscript", summary = "E-mail the conversation's transcript to its visitor")
    public Response transcript(@PathParam("id") String id) {
        return Response.accepted(new Queued(emails.requestTranscript(callers.current(), Params.conversationId(id)))).build();
    }

}
