package io.switchboard.message;

import java.util.List;
import java.util.OptionalLong;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import io.switchboard.api.ApiException;
import io.switchboard.api.Params;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.conversation.ConversationReader;
import io.switchboard.identity.Caller;
import io.switchboard.identity.Callers;
import io.switchboard.identity.Roles;
import io.switchboard.live.transport.ClientAddress;
import io.switchboard.live.transport.PollTransport;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;

/**
 * A conversation's messages over plain HTTP: send, page history backwards ({@code ?before=}), short poll
 * ({@code ?after=}) and long-poll ({@code ?after=&wait=}).
 */
@Path("/api/conversations/{id}/messages")
@RolesAllowed({ Roles.VISITOR, Roles.AGENT })
public class MessageResource {

    @RegisterForReflection
    public record SendRequest(String clientMsgId, String text) {
    }

    @Inject
    Messages messages;

    @Inject
    MessageReader reader;

    @Inject
    ConversationReader conversations;

    @Inject
    PollTransport poll;

    @Inject
    Callers callers;

    @Inject
    SwitchboardConfig config;

    /** 201 with the stored message; 200 with the original when this clientMsgId was already sent. */
    @POST
    public Response send(@PathParam("id") String id, SendRequest request) {
        if (request == null) {
            throw ApiException.badRequest("missing_body", "a JSON body with text (and clientMsgId) is required");
        }
        SendResult result = messages.send(callers.current(), Params.conversationId(id), request.clientMsgId(),
                request.text());
        return Response.status(result.duplicate() ? 200 : 201).entity(result).build();
    }

    @GET
    public Uni<List<MessageView>> read(@PathParam("id") String id, @QueryParam("after") String after,
            @QueryParam("before") String before, @QueryParam("wait") String wait, @QueryParam("limit") String limit,
            @Context HttpServerRequest http) {
        Caller caller = callers.current();
        String tokenHash = callers.tokenHash();
        String ip = ClientAddress.of(http);
        long conversationId = Params.conversationId(id);
        OptionalLong afterSeq = Params.cursor("after", after);
        OptionalLong beforeSeq = Params.cursor("before", before);
        int max = config.messages().pageSize();
        int count = Params.bounded("limit", limit, Math.min(50, max), 1, max);
        if (afterSeq.isPresent() && beforeSeq.isPresent()) {
            throw ApiException.badRequest("invalid_cursor", "give either after or before, not both");
        }
        if (wait != null && beforeSeq.isPresent()) {
            throw ApiException.badRequest("invalid_wait", "wait applies to after, not to before");
        }
        return conversations.visibleTo(caller, conversationId).flatMap(conversation -> {
            if (beforeSeq.isPresent() || afterSeq.isEmpty() && wait == null) {
                return reader.before(conversationId, beforeSeq.orElse(Long.MAX_VALUE), count);
            }
            long cursor = afterSeq.orElse(0);
            return wait == null ? poll.poll(caller, tokenHash, ip, conversationId, cursor, count)
                    : poll.longPoll(caller, tokenHash, ip, conversationId, cursor, count,
                            Params.wait(wait, config.longPoll().maxWait()));
        });
    }
}
