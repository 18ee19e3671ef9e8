package io.switchboard.identity;

import java.util.List;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.switchboard.api.ApiException;
import io.switchboard.api.ClientAddress;
import io.switchboard.api.ErrorCode;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;

/** Agent login, logout and accounts. */
@Tag(name = "agents")
@Path("/api/agents")
public class AgentResource {

    @RegisterForReflection
    public record Credentials(String username, String password) {
    }

    @RegisterForReflection
    public record NewAgent(String username, String name, String password, Agent.Role role) {
    }

    @Inject
    Agents agents;

    @Inject
    Callers callers;

    @Inject
    Cookies cookies;

    @POST
    @Path("/login")
    @APIResponse(responseCode = "200", description = "logged in: the token (also set as the `sb_agent` cookie) and when it expires",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = AgentSession.class)))
    @Operation(operationId = "login", summary = "Log in: a token for 12 hours")
    public Response login(Credentials credentials, @Context HttpServerRequest http) {
        AgentSession session = credentials == null ? agents.login(null, null, ClientAddress.of(http))
                : agents.login(credentials.username(), credentials.password(), ClientAddress.of(http));
        return Response.ok(session).cookie(cookies.agent(session.token())).build();
    }

    /** Revokes the token this request was made with. */
    @POST
    @Path("/logout")
    @RolesAllowed(Roles.AGENT)
    @APIResponse(responseCode = "204", description = "the token is revoked on every replica")
    @Operation(operationId = "logout", summary = "Revoke the token this request was made with")
    public Response logout() {
        agents.logout(callers.tokenHash());
        return Response.noContent().cookie(cookies.clearAgent()).build();
    }

    @GET
    @Path("/me")
    @RolesAllowed(Roles.AGENT)
    @Operation(operationId = "getCurrentAgent", summary = "The agent this token belongs to")
    public AgentView me() {
        return agents.find(callers.current().id());
    }

    @GET
    @RolesAllowed(Roles.AGENT)
    @Operation(operationId = "listAgents", summary = "Every agent account")
    public List<AgentView> list() {
        return agents.list();
    }

    @POST
    @RolesAllowed(Roles.ADMIN)
    @APIResponse(responseCode = "201", description = "the new agent",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = AgentView.class)))
    @Operation(operationId = "createAgent", summary = "Create an agent account (admins)")
    public Response create(NewAgent agent) {
        if (agent == null) {
            throw new ApiException(ErrorCode.MISSING_BODY, "username, name and password are required");
        }
        return Response.status(201).entity(agents.create(agent.username(), agent.name(), agent.password(), agent.role()))
                .build();
    }
}
