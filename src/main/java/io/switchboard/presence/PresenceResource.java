package io.switchboard.presence;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

/** Public: whether anyone can answer now. The widget offers the "leave a message" form at zero. */
@Tag(name = "presence")
@Path("/api/presence")
public class PresenceResource {

    @RegisterForReflection
    public record Availability(long agentsOnline) {
    }

    @Inject Presence presence;

    @GET
    @Operation(operationId = "getAvailability", summary = "How many agents can answer now (the widget shows its offline form at 0)")
    public Uni<Availability> availability() {
        return presence.onlineCount().map(Availability::new);
    }
}
