package io.switchboard.presence;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

/** Public: whether anyone can answer now. The widget offers the "leave a message" form at zero. */
@Path("/api/presence")
public class PresenceResource {

    @RegisterForReflection
    public record Availability(long agentsOnline) {
    }

    @Inject Presence presence;

    @GET
    public Uni<Availability> availability() {
        return presence.onlineCount().map(Availability::new);
    }
}
