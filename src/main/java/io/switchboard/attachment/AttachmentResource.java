package io.switchboard.attachment;

import java.time.Instant;
import java.util.UUID;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import io.switchboard.api.AttachmentView;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.identity.Caller;
import io.switchboard.identity.Callers;
import io.switchboard.identity.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;

/**
 * Attachments over REST, besides the two streaming routes ({@link UploadRoute}, {@link DownloadRoute}): signed
 * links for clients that cannot send credentials, and cancelling an upload not sent yet.
 */
@Tag(name = "attachments")
@Path("/api/attachments")
@RolesAllowed({ Roles.VISITOR, Roles.AGENT })
public class AttachmentResource {

    /** A link that works without credentials until {@code expiresAt}, for this attachment only. */
    @RegisterForReflection
    public record SignedLink(String url, Instant expiresAt) {
    }

    @Inject Attachments attachments;
    @Inject LinkSigner signer;
    @Inject Callers callers;
    @Inject SwitchboardConfig config;

    @GET
    @Path("/{id}/link")
    @Operation(operationId = "linkAttachment",
            summary = "A short-lived signed link to an attachment the caller may read (for img tags and image loaders)")
    public Uni<SignedLink> link(@PathParam("id") String id) {
        Caller caller = callers.current();
        UUID attachment = DownloadRoute.id(id);
        Instant expires = Instant.now().plus(config.attachments().linkTtl()).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        return attachments.readable(caller, attachment).chain(found -> {
            if (found.isEmpty()) {
                throw DownloadRoute.notFound();
            }
            return signer.sign(attachment, expires)
                    .map(query -> new SignedLink(AttachmentView.PATH + attachment + "?" + query, expires));
        });
    }

    @DELETE
    @Path("/{id}")
    @APIResponse(responseCode = "204", description = "deleted, with its bytes")
    @Operation(operationId = "cancelAttachment", summary = "Delete one's own upload that no message carries yet (a cancelled upload)")
    public Uni<Response> cancel(@PathParam("id") String id) {
        return attachments.cancel(callers.current(), DownloadRoute.id(id)).map(deleted -> {
            if (!deleted) {
                throw DownloadRoute.notFound();
            }
            return Response.noContent().build();
        });
    }
}
