package io.switchboard.presence;

import java.util.List;

import io.smallrye.mutiny.Uni;
import io.switchboard.identity.Roles;
import io.switchboard.presence.Presence.AgentPresence;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

/** For agents: every colleague's presence, derived from live connections on all replicas. */
@Path("/api/agents/presence")
public class AgentPresenceResource {

    private final Presence presence;

    AgentPresenceResource(Presence presence) {
        this.presence = presence;
    }

    /** online, away or offline (10 s after an agent's last connection on any transport closed). */
    @GET
    @RolesAllowed(Roles.AGENT)
    public Uni<List<AgentPresence>> all() {
        return presence.all();
    }
}
