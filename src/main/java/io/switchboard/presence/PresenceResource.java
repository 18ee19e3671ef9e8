package io.switchboard.presence;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import io.switchboard.api.ApiException;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Params;
import io.switchboard.identity.Caller;
import io.switchboard.identity.Callers;
import io.switchboard.identity.Roles;
import io.switchboard.security.RateLimiter;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;

/**
 * Public: whether anyone can answer now (the widget offers the "leave a message" form at zero). Agents on
 * request-based transports say they are here, and set online/away, over REST.
 */
@Tag(name = "presence")
@Path("/api/presence")
public class PresenceResource {

    /**
     * {@code email}: whether this service sends e-mail (the widget offers "Email me this chat" only then);
     * {@code maxUploadBytes}: the largest file it takes (a bigger one is refused on its declared length, so
     * clients check first).
     */
    @RegisterForReflection
    public record Availability(long agentsOnline, boolean email, long maxUploadBytes) {
    }

    @RegisterForReflection
    public record Here(String state) {
    }

    @Inject Presence presence;
    @Inject Callers callers;
    @Inject RateLimiter limiter;
    @Inject io.switchboard.config.SwitchboardConfig config;

    /**
     * "I am here" from an agent without a live connection (long-poll, short poll), every 10 s: counts as
     * connected for 30 s. {@code state} ({@code online} or {@code away}, optional) sets the agent's choice,
     * on any transport. Rate limited with the other control actions.
     */
    @POST
    @Path("/me")
    @RolesAllowed(Roles.AGENT)
    @Operation(operationId = "setMyPresence", summary = "An agent is here (request-based transports), optionally online or away")
    public Uni<Presence.AgentPresence> here(Here here) {
        Caller caller = callers.current();
        limiter.acquire(RateLimiter.Action.control, caller.key());
        return presence.here(caller, here == null ? null : here.state());
    }

    /**
     * With {@code wait} (a duration, at most {@code switchboard.long-poll.max-wait}) and {@code online} (whether
     * the caller last saw anyone online): a long-poll that answers as soon as that is no longer so, or when
     * {@code wait} has passed. An open widget holds one, so its offline form gives way to the chat the moment
     * an agent comes online (it polled every 30 s).
     */
    @GET
    @Operation(operationId = "getAvailability", summary = "How many agents can answer now (the widget shows its offline form at 0)")
    public Uni<Availability> availability(
            @Parameter(description = "Long-poll: answer when availability differs from `online`, or after this long (e.g. `25s`)")
            @QueryParam("wait") String wait,
            @Parameter(description = "With `wait`: whether the caller last saw any agent online")
            @QueryParam("online") String online) {
        boolean email = config.email().from().isPresent() && config.email().publicUrl().isPresent();
        long maxUpload = config.attachments().maxSize().asLongValue();
        Uni<Long> count;
        if (wait == null) {
            count = presence.onlineCount();
        } else {
            if (!"true".equals(online) && !"false".equals(online)) {
                throw new ApiException(ErrorCode.INVALID_WAIT, "wait needs online=true or online=false: what the caller last saw");
            }
            count = presence.awaitAvailability(Boolean.parseBoolean(online), Params.wait(wait, config.longPoll().maxWait()));
        }
        return count.map(n -> new Availability(n, email, maxUpload));
    }
}
