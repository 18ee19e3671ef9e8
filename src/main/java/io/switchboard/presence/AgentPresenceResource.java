package io.switchboard.presence;

import java.util.List;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.smallrye.mutiny.Uni;
import io.switchboard.identity.Roles;
import io.switchboard.presence.Presence.AgentPresence;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

/** For agents: every colleague's presence, derived from live connections on all replicas. */
@Tag(name = "agents")
@Path("/api/agents/presence")
public class AgentPresenceResource {

    private final Presence presence;

    AgentPresenceResource(Presence presence) {
        this.presence = presence;
    }

    /** online, away or offline (10 s after an agent's last connection on any transport closed). */
    @GET
    @RolesAllowed(Roles.AGENT)
    @Operation(operationId = "listAgentPresence", summary = "Every agent's presence: online, away or offline")
    public Uni<List<AgentPresence>> all() {
        return presence.all();
    }
}
