package io.switchboard.live.transport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.smallrye.mutiny.Uni;
import io.switchboard.api.ApiException;
import io.switchboard.api.ClientAddress;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Params;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.conversation.ConversationReader;
import io.switchboard.identity.Caller;
import io.switchboard.identity.Callers;
import io.switchboard.identity.Roles;
import io.switchboard.live.ClientSession;
import io.switchboard.live.ClientSessions;
import io.switchboard.live.Frame;
import io.switchboard.live.FrameWriter;
import io.switchboard.live.Sink;
import io.switchboard.live.Transport;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;

/**
 * The long-poll's second request: what is never stored, so a cursor cannot fetch it. A long-poll client reads
 * each conversation's messages by cursor ({@code GET …/messages?after=&wait=}) and holds one of these beside
 * them: the {@code typing}, {@code read} and (agents) {@code viewing} frames of the conversations it names, and
 * for agents the feed ({@code conversation}, {@code activity}, {@code presence}) that keeps the console's lists,
 * alerts and sounds live — the same frames, in the same JSON, as on the WebSocket. It answers with the frames
 * that arrived (gathered for {@link #LINGER_MILLIS} after the first, at most {@link #MAX_FRAMES}), or an empty
 * list when {@code wait} has passed; the client asks again at once. A signal that falls between two requests
 * is not repeated: typing is announced again while it lasts, read cursors and lists are read from the store on
 * the next refresh. While it waits it is a live connection, admitted and counted like any other.
 */
@Tag(name = "streams")
@Path("/api/signals")
@RolesAllowed({ Roles.VISITOR, Roles.AGENT })
public class SignalsTransport {

    /** Frames that come together (a transfer: conversation, activity, presence…) leave in one answer. */
    static final long LINGER_MILLIS = 50;
    /** One answer's budget; the rest wait for the next request (they are live frames, not a backlog). */
    static final int MAX_FRAMES = 100;

    @Inject ClientSessions sessions;
    @Inject ConversationReader conversations;
    @Inject Callers callers;
    @Inject FrameWriter frames;
    @Inject SwitchboardConfig config;
    @Inject Vertx vertx;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @APIResponse(responseCode = "200", description = "the frames that arrived (as on the WebSocket), or `[]` when `wait` passed",
            content = @Content(mediaType = "application/json", schema = @Schema(type = SchemaType.ARRAY,
                    implementation = Object.class, description = "frames: typing, read, viewing, conversation, activity, presence")))
    @Operation(operationId = "awaitSignals", summary = "Long-poll for what is never stored: typing, read cursors, viewing, and agents' feed")
    public Uni<String> signals(
            @Parameter(description = "How long to wait for a first frame, e.g. `25s` (at most `switchboard.long-poll.max-wait`)", required = true)
            @QueryParam("wait") String wait,
            @Parameter(description = "Conversation ids, comma-separated (at most `switchboard.limits.subscriptions-per-connection`)")
            @QueryParam("conversations") String ids,
            @Context HttpServerRequest http) {
        if (wait == null) {
            throw new ApiException(ErrorCode.INVALID_WAIT, "wait is required: this is a long-poll");
        }
        Duration patience = Params.wait(wait, config.longPoll().maxWait());
        Set<Long> wanted = conversationIds(ids);
        Caller caller = callers.current();
        String tokenHash = callers.tokenHash();
        String ip = ClientAddress.of(http);
        Uni<Void> visible = wanted.isEmpty() ? Uni.createFrom().voidItem()
                : Uni.join().all(wanted.stream().map(id -> conversations.visibleTo(caller, id)).toList()).andFailFast().replaceWithVoid();
        return visible.flatMap(v -> {
            Gathered gathered = new Gathered();
            ClientSession session = sessions.open(caller, tokenHash, ip, Transport.longpoll, gathered);
            try {
                session.followFeed();
                wanted.forEach(session::listen);
            } catch (RuntimeException e) {
                session.close();
                throw e;
            }
            return Uni.createFrom().completionStage(gathered.answer)
                    .ifNoItem().after(patience).recoverWithItem(List::of)
                    .onTermination().invoke(session::close);
        }).map(this::json);
    }

    private Set<Long> conversationIds(String ids) {
        Set<Long> wanted = new LinkedHashSet<>();
        if (ids == null || ids.isBlank()) {
            return wanted;
        }
        for (String id : ids.split(",", -1)) {
            wanted.add(Params.conversationId(id.strip()));
        }
        if (wanted.size() > config.limits().subscriptionsPerConnection()) {
            throw new ApiException(ErrorCode.TOO_MANY_SUBSCRIPTIONS, "a signals request names at most "
                    + config.limits().subscriptionsPerConnection() + " conversations");
        }
        return wanted;
    }

    private String json(List<Frame> gathered) {
        StringBuilder out = new StringBuilder("[");
        for (Frame frame : gathered) {
            if (out.length() > 1) {
                out.append(',');
            }
            out.append(frames.write(frame));
        }
        return out.append(']').toString();
    }

    /** Frames from the first one on, for a moment; then the answer. Revocation and shutdown answer at once. */
    private final class Gathered implements Sink {
        private final List<Frame> frames = new ArrayList<>();
        final CompletableFuture<List<Frame>> answer = new CompletableFuture<>();

        @Override
        public synchronized void send(Frame frame) {
            if (answer.isDone()) {
                return;
            }
            frames.add(frame);
            if (frames.size() >= MAX_FRAMES) {
                finish();
            } else if (frames.size() == 1) {
                vertx.setTimer(LINGER_MILLIS, t -> finish());
            }
        }

        @Override
        public void close(int code, String reason) {
            finish();
        }

        private synchronized void finish() {
            answer.complete(List.copyOf(frames));
        }
    }
}
