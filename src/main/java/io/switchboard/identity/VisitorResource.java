package io.switchboard.identity;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.switchboard.api.ApiException;
import io.switchboard.api.ClientAddress;
import io.switchboard.api.ErrorCode;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * Visitor identities: anonymous (no sign-up, just a token), or signed in with an identity the site signs for
 * its logged-in user (one visitor on every device).
 */
@Tag(name = "visitors")
@Path("/api/visitors")
public class VisitorResource {

    @RegisterForReflection
    public record VisitorDetails(String name, String email) {
    }

    /**
     * What creating a visitor takes, all optional: a name and an e-mail (anonymous), or {@code identity}, a JWT
     * the site signed for its logged-in user (HS256; {@code sub} its user id, {@code name}, {@code email},
     * {@code exp}).
     */
    @RegisterForReflection
    public record NewVisitor(String name, String email, String identity) {
    }

    /** A JWT the site signed for its logged-in user (HS256; {@code sub}, optional {@code name} and {@code email}, {@code exp}). */
    @RegisterForReflection
    public record SignedIdentity(String identity) {
    }

    @Inject
    Visitors visitors;

    @Inject
    Handoffs handoffs;

    @Inject
    Callers callers;

    @Inject
    Cookies cookies;

    @Inject
    ObjectMapper json;

    /**
     * Creates a visitor; the token comes back in the body (mobile) and as an HttpOnly cookie (browsers). With
     * a signed {@code identity}: this device's token for the visitor it names (200), created on its first
     * sign-in (201).
     */
    @POST
    @Consumes(MediaType.WILDCARD)
    @APIResponse(responseCode = "201", description = "the new visitor and its token (also set as the `sb_visitor` cookie)",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = VisitorSession.class)))
    @APIResponse(responseCode = "200", description = "signed in: the visitor the identity names already existed; a new token for this device",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = VisitorSession.class)))
    @Operation(operationId = "createVisitor", summary = "Create a visitor and its token, anonymous or signed in")
    public Response create(@RequestBody(required = false, description = "optional: a bare POST creates an anonymous visitor",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = NewVisitor.class))) String body,
            @Context HttpServerRequest http) {
        NewVisitor details = parse(body);
        if (details != null && details.identity() != null) {
            Visitors.SignIn signIn = visitors.signIn(details.identity(), ClientAddress.of(http));
            return Response.status(signIn.created() ? 201 : 200).entity(signIn.session())
                    .cookie(cookies.visitor(signIn.session().token())).build();
        }
        VisitorSession session = visitors.create(details == null ? null : details.name(),
                details == null ? null : details.email(), ClientAddress.of(http));
        return Response.status(201).entity(session).cookie(cookies.visitor(session.token())).build();
    }

    /** The body is optional (a bare POST creates an anonymous visitor), so it is read leniently. */
    private NewVisitor parse(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return json.readValue(body, NewVisitor.class);
        } catch (JsonProcessingException e) {
            throw new ApiException(ErrorCode.MALFORMED_JSON, "the body is not {\"name\", \"email\"} or {\"identity\"}");
        }
    }

    /**
     * Signs this visitor in with the site's signed identity. An anonymous visitor becomes the identified one,
     * or is merged into it when it exists (its conversations move with their history); either way every token
     * the anonymous visitor had ends, and this device gets a new one ({@code token}, also the cookie): a token
     * planted on a device never becomes the person who signs in on it. Already this identity: {@code token} is
     * null and the device's token stays. 409 {@code identity_mismatch} when this visitor is someone else.
     */
    @PUT
    @Path("/me/identity")
    @RolesAllowed(Roles.VISITOR)
    @APIResponse(responseCode = "200", description = "signed in; `token` is this device's new token when it changed (also the `sb_visitor` cookie), else null",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = IdentifiedVisitor.class)))
    @Operation(operationId = "identifyCurrentVisitor", summary = "Sign the visitor in with a signed identity (merging an anonymous history)")
    public Response identify(SignedIdentity identity) {
        if (identity == null) {
            throw new ApiException(ErrorCode.MISSING_BODY, "a JSON body {\"identity\": \"<JWT>\"} is required");
        }
        IdentifiedVisitor signedIn = visitors.identify(callers.current().id(), identity.identity());
        Response.ResponseBuilder response = Response.ok(signedIn);
        return (signedIn.token() == null ? response : response.cookie(cookies.visitor(signedIn.token()))).build();
    }

    /** A one-time code from a "continue the conversation" link, to exchange for this device's own token. */
    @RegisterForReflection
    public record HandoffCode(String code) {
    }

    /** The visitor a handoff code was for, this device's new token, and the conversation the link was about. */
    @RegisterForReflection
    public record HandedOver(VisitorView visitor, String token, long conversationId) {
    }

    /**
     * Exchanges the one-time code a "continue the conversation" link put in the page's address for a new
     * token of this device's own (also the cookie): once, within minutes. 403 {@code invalid_link} for a code
     * that is unknown, used or expired. Rate limited per client address.
     */
    @POST
    @Path("/handoff")
    @APIResponse(responseCode = "200", description = "this device's token for the visitor, and the conversation to open",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = HandedOver.class)))
    @Operation(operationId = "exchangeHandoffCode", summary = "Exchange a continue link's one-time code for this device's token")
    public Response handoff(HandoffCode handoff, @Context HttpServerRequest http) {
        if (handoff == null || handoff.code() == null) {
            throw new ApiException(ErrorCode.MISSING_BODY, "a JSON body {\"code\": \"…\"} is required");
        }
        Handoffs.Exchanged exchanged = handoffs.exchange(handoff.code(), ClientAddress.of(http))
                .orElseThrow(() -> new ApiException(ErrorCode.INVALID_LINK, "this link was used already or it expired"));
        VisitorSession session = exchanged.session();
        return Response.ok(new HandedOver(session.visitor(), session.token(), exchanged.conversationId()))
                .cookie(cookies.visitor(session.token())).header("Cache-Control", "no-store").build();
    }

    @GET
    @Path("/me")
    @RolesAllowed(Roles.VISITOR)
    @Operation(operationId = "getCurrentVisitor", summary = "The visitor this token belongs to")
    public VisitorView me() {
        return visitors.find(callers.current().id());
    }

    /**
     * Agents: who the visitor is and where (name, e-mail, first and last seen, the page they are on, referrer,
     * browser, language, time zone).
     */
    @GET
    @Path("/{id}")
    @RolesAllowed(Roles.AGENT)
    @Operation(operationId = "getVisitor", summary = "A visitor's details and context, for agents")
    public VisitorProfile byId(@PathParam("id") String id) {
        return visitors.forAgent(visitorId(id));
    }

    /** Agents: correct a visitor's name or e-mail (the visitor's own rules; consoles show it at once). */
    @PATCH
    @Path("/{id}")
    @RolesAllowed(Roles.AGENT)
    @Operation(operationId = "updateVisitor", summary = "Set a visitor's name and e-mail, for agents")
    public VisitorProfile updateById(@PathParam("id") String id, VisitorDetails details) {
        return visitors.updateByAgent(visitorId(id), details == null ? null : details.name(), details == null ? null : details.email());
    }

    /** The widget: where the visitor is now (on load and on each navigation); 204. */
    @PUT
    @Path("/me/context")
    @RolesAllowed(Roles.VISITOR)
    @APIResponse(responseCode = "204", description = "recorded")
    @Operation(operationId = "reportVisitorContext", summary = "Report the page the visitor is on, its referrer, language and time zone")
    public Response context(VisitorContext context, @Context HttpServerRequest http) {
        if (context == null) {
            throw new ApiException(ErrorCode.MISSING_BODY, "a JSON body {url, title, referrer, language, timeZone} is required");
        }
        visitors.reportContext(callers.current().id(), context, http.getHeader("User-Agent"));
        return Response.noContent().build();
    }

    private static long visitorId(String id) {
        try {
            return Long.parseLong(id);
        } catch (NumberFormatException e) {
            throw new ApiException(ErrorCode.VISITOR_NOT_FOUND, "no such visitor");
        }
    }

    @PATCH
    @Path("/me")
    @RolesAllowed(Roles.VISITOR)
    @Operation(operationId = "updateCurrentVisitor", summary = "Set the visitor's name and e-mail")
    public VisitorView update(VisitorDetails details) {
        return visitors.update(callers.current().id(), details == null ? null : details.name(),
                details == null ? null : details.email());
    }
}
