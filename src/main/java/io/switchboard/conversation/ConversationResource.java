package io.switchboard.conversation;

import java.util.List;
import java.util.Optional;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import io.switchboard.api.ApiException;
import io.switchboard.api.ClientAddress;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Params;
import io.switchboard.identity.Caller;
import io.switchboard.identity.Callers;
import io.switchboard.identity.Cookies;
import io.switchboard.identity.Roles;
import io.switchboard.identity.TokenIdentityProvider;
import io.switchboard.identity.VisitorSession;
import io.switchboard.identity.Visitors;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;

/** Conversations over REST: visitors start and read their own; agents list, read and manage all. */
@Tag(name = "conversations")
@Path("/api/conversations")
public class ConversationResource {

    @RegisterForReflection
    public record StatusChange(String status) {
    }

    @RegisterForReflection
    public record Assignment(Long agentId) {
    }

    @RegisterForReflection
    public record ReadMark(Long seq) {
    }

    @RegisterForReflection
    public record TypingState(String state) {
    }

    @RegisterForReflection
    public record LabelSet(List<String> labels) {
    }

    @Inject Receipts receipts;
    @Inject TypingNotices typing;
    @Inject ConversationReader reader;
    @Inject Conversations conversations;
    @Inject Callers callers;
    @Inject Visitors visitors;
    @Inject Cookies cookies;
    @Inject SecurityIdentity identity;

    /** The visitor's place in the waiting queue (1 = next), and how many are waiting. */
    @GET
    @Path("/{id}/queue")
    @RolesAllowed({ Roles.VISITOR, Roles.AGENT })
    @Operation(operationId = "getQueuePosition", summary = "The conversation's place in the waiting queue")
    public Uni<QueuePosition> queue(@PathParam("id") String id) {
        long conversationId = Params.conversationId(id);
        return reader.visibleTo(callers.current(), conversationId).flatMap(c -> reader.queuePosition(conversationId));
    }

    /** Moves the caller's read cursor forward (read receipts); 200 with the stored cursor. */
    @POST
    @Path("/{id}/read")
    @RolesAllowed({ Roles.VISITOR, Roles.AGENT })
    @Operation(operationId = "markRead", summary = "Move the caller's read cursor forward")
    public ReadReceipt read(@PathParam("id") String id, ReadMark mark) {
        if (mark == null || mark.seq() == null) {
            throw new ApiException(ErrorCode.INVALID_CURSOR, "a body {\"seq\": N} is required");
        }
        return receipts.markRead(callers.current(), Params.conversationId(id), mark.seq());
    }

    /** Every participant's read cursor in this conversation. */
    @GET
    @Path("/{id}/reads")
    @RolesAllowed({ Roles.VISITOR, Roles.AGENT })
    @Operation(operationId = "listReads", summary = "Every participant's read cursor")
    public List<ReadReceipt> reads(@PathParam("id") String id) {
        return receipts.of(callers.current(), Params.conversationId(id));
    }

    /** "I am typing" ({@code start}) or not ({@code stop}), for clients without a WebSocket. Not stored. */
    @POST
    @Path("/{id}/typing")
    @RolesAllowed({ Roles.VISITOR, Roles.AGENT })
    @APIResponse(responseCode = "204", description = "relayed to the conversation's other listeners")
    @Operation(operationId = "setTyping", summary = "Typing started or stopped, for clients without a WebSocket")
    public Response typing(@PathParam("id") String id, TypingState state) {
        typing.announce(callers.current(), Params.conversationId(id), state == null ? null : state.state());
        return Response.noContent().build();
    }

    /**
     * The visitor's current conversation, created if needed. A caller without a visitor token becomes a
     * visitor here (first contact): the response then carries the new token, also set as a cookie.
     */
    @POST
    @Blocking
    @APIResponse(responseCode = "200", description = "the caller's current conversation",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ConversationStart.class)))
    @APIResponse(responseCode = "201", description = "a visitor was created too: `session` carries its token (also set as the `sb_visitor` cookie)",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ConversationStart.class)))
    @Operation(operationId = "startConversation", summary = "The visitor's current conversation, created if needed (and the visitor, without a token)")
    public Uni<Response> start(@Context HttpServerRequest http) {
        Caller caller = identity.getAttribute(TokenIdentityProvider.CALLER_ATTRIBUTE);
        if (caller instanceof Caller.AgentCaller) {
            throw ApiException.forbidden("agents do not start conversations");
        }
        VisitorSession session = caller == null
                ? visitors.create(null, null, ClientAddress.of(http)) : null;
        long visitorId = caller == null ? session.visitor().id() : caller.id();
        long id = conversations.currentFor(visitorId);
        return reader.find(id).map(view -> {
            Response.ResponseBuilder response = Response.ok(new ConversationStart(view.orElseThrow(), session));
            return session == null ? response.build() : response.status(201).cookie(cookies.visitor(session.token())).build();
        });
    }

    /**
     * Agents: every conversation, filtered by {@code status}, {@code assignee} ({@code me}, {@code none},
     * {@code others} or an agent id), {@code label}, start date ({@code from}, {@code to}) and {@code visitor}
     * (one visitor's history). Visitors: their own.
     */
    @GET
    @RolesAllowed({ Roles.VISITOR, Roles.AGENT })
    @Operation(operationId = "listConversations", summary = "Conversations: waiting ones longest waiting first, others newest activity first (visitors: their own)")
    public Uni<ConversationPage> list(@QueryParam("status") String status, @QueryParam("assignee") String assignee,
            @QueryParam("label") String label, @QueryParam("from") String from, @QueryParam("to") String to,
            @QueryParam("visitor") String visitor, @QueryParam("page") String page, @QueryParam("size") String size) {
        ConversationFilter filter = ConversationFilter.parse(callers.current(), status, assignee, label, from, to, visitor);
        return reader.page(filter, Params.bounded(ErrorCode.INVALID_PAGE, "page", page, 0, 0, 1_000_000),
                Params.bounded(ErrorCode.INVALID_SIZE, "size", size, 20, 1, 100));
    }

    /**
     * Agents: full-text search over every message (private notes included) and every visitor's name and
     * e-mail, with the list's filters. {@code q} is words, "a phrase", -excluded, or an e-mail address.
     */
    @GET
    @Path("/search")
    @RolesAllowed(Roles.AGENT)
    @Operation(operationId = "searchConversations", summary = "Full-text search over messages, notes, visitor names and e-mails")
    public Uni<SearchPage> search(@QueryParam("q") String q, @QueryParam("status") String status,
            @QueryParam("assignee") String assignee, @QueryParam("label") String label, @QueryParam("from") String from,
            @QueryParam("to") String to, @QueryParam("page") String page, @QueryParam("size") String size) {
        String query = q == null ? "" : q.strip();
        if (query.isEmpty() || query.length() > 200 || query.chars().noneMatch(Character::isLetterOrDigit)) {
            throw new ApiException(ErrorCode.INVALID_QUERY, "q is 1-200 characters with at least one letter or digit");
        }
        ConversationFilter filter = ConversationFilter.parse(callers.current(), status, assignee, label, from, to, null);
        return reader.search(query, filter, Params.bounded(ErrorCode.INVALID_PAGE, "page", page, 0, 0, 1_000),
                Params.bounded(ErrorCode.INVALID_SIZE, "size", size, 20, 1, 100));
    }

    /** Agents: a conversation's labels, alphabetical. */
    @GET
    @Path("/{id}/labels")
    @RolesAllowed(Roles.AGENT)
    @Operation(operationId = "getLabels", summary = "A conversation's labels")
    public Uni<List<String>> labels(@PathParam("id") String id) {
        long conversationId = Params.conversationId(id);
        return reader.visibleTo(callers.current(), conversationId).flatMap(c -> reader.labels(conversationId));
    }

    /** Agents: replaces a conversation's labels (at most 10; each 1-32 letters, digits, _ or -, kept lower case). */
    @PUT
    @Path("/{id}/labels")
    @RolesAllowed(Roles.AGENT)
    @Blocking
    @Operation(operationId = "setLabels", summary = "Replace a conversation's labels")
    public Uni<List<String>> setLabels(@PathParam("id") String id, LabelSet set) {
        long conversationId = Params.conversationId(id);
        if (set == null || set.labels() == null) {
            throw new ApiException(ErrorCode.MISSING_BODY, "a JSON body {\"labels\": [...]} is required");
        }
        conversations.label(conversationId, set.labels());
        return reader.labels(conversationId);
    }

    @GET
    @Path("/{id}")
    @RolesAllowed({ Roles.VISITOR, Roles.AGENT })
    @Operation(operationId = "getConversation", summary = "One conversation")
    public Uni<ConversationView> get(@PathParam("id") String id) {
        return reader.visibleTo(callers.current(), Params.conversationId(id));
    }

    @POST
    @Path("/{id}/status")
    @RolesAllowed(Roles.AGENT)
    @Blocking
    @Operation(operationId = "changeStatus", summary = "Set the status: waiting, open or resolved")
    public Uni<ConversationView> status(@PathParam("id") String id, StatusChange change) {
        long conversationId = Params.conversationId(id);
        ConversationStatus status = Optional.ofNullable(change).flatMap(c -> ConversationStatus.parse(c.status()))
                .orElseThrow(() -> new ApiException(ErrorCode.INVALID_STATUS, "status is waiting, open or resolved"));
        conversations.changeStatus(callers.agent(), conversationId, status);
        return reader.visibleTo(callers.current(), conversationId);
    }

    /** The calling agent takes the conversation; 409 already_claimed if a colleague was first. */
    @POST
    @Path("/{id}/claim")
    @RolesAllowed(Roles.AGENT)
    @Blocking
    @Operation(operationId = "claimConversation", summary = "Take a conversation: assigned to the caller and open")
    public Uni<ConversationView> claim(@PathParam("id") String id) {
        long conversationId = Params.conversationId(id);
        conversations.claim(callers.agent(), conversationId);
        return reader.visibleTo(callers.current(), conversationId);
    }

    @POST
    @Path("/{id}/assign")
    @RolesAllowed(Roles.AGENT)
    @Blocking
    @Operation(operationId = "assignConversation", summary = "Assign, transfer or unassign a conversation")
    public Uni<ConversationView> assign(@PathParam("id") String id, Assignment assignment) {
        long conversationId = Params.conversationId(id);
        conversations.assign(callers.agent(), conversationId, assignment == null ? null : assignment.agentId());
        return reader.visibleTo(callers.current(), conversationId);
    }
}
