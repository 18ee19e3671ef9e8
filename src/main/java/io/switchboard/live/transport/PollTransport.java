package io.switchboard.live.transport;

import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import io.switchboard.api.ApiException;
import io.switchboard.api.ClientAddress;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MessageView;
import io.switchboard.api.Params;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.conversation.ConversationReader;
import io.switchboard.identity.Caller;
import io.switchboard.identity.Callers;
import io.switchboard.identity.Roles;
import io.switchboard.live.ClientSession;
import io.switchboard.live.ClientSessions;
import io.switchboard.live.Frame;
import io.switchboard.live.LiveHub;
import io.switchboard.live.Sink;
import io.switchboard.live.Transport;
import io.switchboard.message.MessageReader;
import io.switchboard.message.Messages;
import io.switchboard.message.SendResult;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;

/**
 * The plain-HTTP transport, and every HTTP link's way to send: {@code POST} a message; {@code GET} a page of
 * history ({@code ?before=}), a short poll ({@code ?after=}, a plain read) or a long-poll
 * ({@code ?after=&wait=}, a live connection while it waits). Polls read the store by cursor, so a message
 * committed between two polls is in the next answer.
 */
@Tag(name = "messages")
@Path("/api/conversations/{id}/messages")
@RolesAllowed({ Roles.VISITOR, Roles.AGENT })
public class PollTransport {

    @RegisterForReflection
    public record SendRequest(String clientMsgId, String text, Boolean internal, List<String> attachments) {
    }

    @Inject Messages messages;
    @Inject MessageReader reader;
    @Inject ConversationReader conversations;
    @Inject LiveHub hub;
    @Inject ClientSessions sessions;
    @Inject Callers callers;
    @Inject SwitchboardConfig config;

    /**
     * 201 with the stored message, once committed; 200 with the original when this clientMsgId was already
     * sent. Waits for its batch without holding a thread.
     */
    @POST
    @APIResponse(responseCode = "201", description = "stored and committed",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = SendResult.class)))
    @APIResponse(responseCode = "200", description = "this clientMsgId was sent before: the original, with `duplicate: true`",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = SendResult.class)))
    @Operation(operationId = "sendMessage", summary = "Send a message, exactly once per clientMsgId")
    public Uni<Response> send(@PathParam("id") String id, SendRequest request) {
        if (request == null) {
            throw new ApiException(ErrorCode.MISSING_BODY, "a JSON body with text (and clientMsgId) is required");
        }
        return Uni.createFrom().completionStage(messages.submit(callers.current(), Params.conversationId(id),
                request.clientMsgId(), request.text(), Boolean.TRUE.equals(request.internal()), request.attachments()))
                .map(result -> Response.status(result.duplicate() ? 200 : 201).entity(result).build());
    }

    @GET
    @Operation(operationId = "readMessages", summary = "Messages by cursor: long-poll (after and wait), short poll (after), history (before)")
    public Uni<List<MessageView>> read(@PathParam("id") String id, @QueryParam("after") String after,
            @QueryParam("before") String before, @QueryParam("wait") String wait, @QueryParam("limit") String limit,
            @Context HttpServerRequest http) {
        Caller caller = callers.current();
        String tokenHash = callers.tokenHash();
        long conversationId = Params.conversationId(id);
        OptionalLong afterSeq = Params.cursor("after", http.getParam("after"));
        OptionalLong beforeSeq = Params.cursor("before", http.getParam("before"));
        int max = config.messages().pageSize();
        int count = Params.bounded(ErrorCode.INVALID_LIMIT, "limit", limit, Math.min(50, max), 1, max);
        if (afterSeq.isPresent() && beforeSeq.isPresent()) {
            throw new ApiException(ErrorCode.INVALID_CURSOR, "give either after or before, not both");
        }
        if (wait != null && afterSeq.isEmpty()) {
            throw new ApiException(ErrorCode.INVALID_WAIT, "wait goes with after (the cursor to wait beyond)");
        }
        return conversations.visibleTo(caller, conversationId).flatMap(conversation -> {
            if (beforeSeq.isPresent() || afterSeq.isEmpty() && wait == null) {
                return reader.before(conversationId, beforeSeq.orElse(Long.MAX_VALUE), count, caller.isAgent());
            }
            long cursor = afterSeq.orElse(0);
            return wait == null ? reader.after(conversationId, cursor, count, caller.isAgent())
                    : longPoll(caller, tokenHash, ClientAddress.of(http), conversationId, cursor, count,
                            Params.wait(wait, config.longPoll().maxWait()));
        });
    }

    /**
     * Messages are sent and read here, never changed or deleted: those methods are {@code 405} with {@code Allow},
     * as on every other endpoint. (Without these, Quarkus REST answered 404: the path also matches other
     * resources' templates, so no "method not allowed" was found.)
     */
    @DELETE
    @Operation(hidden = true)
    public Response delete() {
        throw notAllowed();
    }

    @PUT
    @Operation(hidden = true)
    public Response put() {
        throw notAllowed();
    }

    @PATCH
    @Operation(hidden = true)
    public Response patch() {
        throw notAllowed();
    }

    private static NotAllowedException notAllowed() {
        return new NotAllowedException(Response.status(405).header("Allow", "GET, POST, HEAD, OPTIONS").build());
    }

    /** A live connection while it waits; revocation, expiry or shutdown answer it at once (empty). */
    private Uni<List<MessageView>> longPoll(Caller caller, String tokenHash, String ip, long conversationId,
            long after, int limit, Duration wait) {
        CompletableFuture<List<MessageView>> closed = new CompletableFuture<>();
        ClientSession session = sessions.open(caller, tokenHash, ip, Transport.longpoll, new Sink() {
            @Override
            public void send(Frame frame) {
            }

            @Override
            public void close(int code, String reason) {
                closed.complete(List.of());
            }
        });
        session.view(conversationId);
        return Uni.combine().any().of(hub.awaitAfter(conversationId, after, limit, caller.isAgent(), wait),
                Uni.createFrom().completionStage(closed)).onTermination().invoke(session::close);
    }
}
