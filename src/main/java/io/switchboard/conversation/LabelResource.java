package io.switchboard.conversation;

import java.util.List;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.smallrye.mutiny.Uni;
import io.switchboard.identity.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

/** The labels the team uses, to filter by: agents only (visitors never see labels). */
@Tag(name = "conversations")
@Path("/api/labels")
public class LabelResource {

    @Inject
    ConversationReader reader;

    @GET
    @RolesAllowed(Roles.AGENT)
    @Operation(operationId = "listLabels", summary = "Labels in use, most used first (at most 200)")
    public Uni<List<ConversationReader.LabelCount>> list() {
        return reader.labelsInUse();
    }
}
