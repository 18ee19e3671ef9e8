package io.switchboard.live.transport;

import java.time.Duration;
import java.util.concurrent.CompletionException;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.switchboard.api.ApiException;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.RateLimitedException;
import io.switchboard.api.StoreFailures;
import io.switchboard.conversation.ConversationReader;
import io.switchboard.conversation.Receipts;
import io.switchboard.conversation.TypingNotices;
import io.switchboard.live.ClientSession;
import io.switchboard.live.Frame;
import io.switchboard.message.Messages;
import io.switchboard.presence.Presence;
import io.switchboard.security.RateLimiter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * What each WebSocket client frame does: decode it, call the session or a domain service, answer with a
 * frame. One frame at a time per connection, in order: a send naming its conversation on the event loop
 * when nothing of the connection waits before it (it never blocks: refused or queued for the group commit),
 * everything else on a worker thread (see {@link Inbound}), where blocking calls are allowed. A send is
 * answered when its batch commits, without holding a thread. Every refusal is an
 * {@code error} frame echoing the frame's {@code ref}. See docs/protocol.md.
 */
@ApplicationScoped
public class WebSocketProtocol {

    private static final Logger LOG = Logger.getLogger(WebSocketProtocol.class);
    private static final Duration STORE_TIMEOUT = Duration.ofSeconds(10);

    @Inject Messages messages;
    @Inject ConversationReader conversations;
    @Inject Receipts receipts;
    @Inject TypingNotices typing;
    @Inject Presence presence;
    @Inject ObjectMapper json;
    @Inject RateLimiter limiter;

    /** On a worker thread: any frame. */
    void handle(ClientSession session, SocketSink sink, String text) {
        ClientFrame frame = parsed(session, sink, text);
        if (frame != null) {
            dispatch(session, sink, frame);
        }
    }

    /**
     * On the event loop, when none of the connection's earlier frames is still waiting (so order holds):
     * handles the frame at once if nothing it needs can block — a {@code send} that names its conversation
     * (validated, rate limited and queued for the group commit, or refused {@code overloaded} at once), or a
     * frame that does not parse — and returns true; anything else is left for a worker (false).
     */
    boolean handleNow(ClientSession session, SocketSink sink, String text) {
        ClientFrame frame = parsed(session, sink, text);
        if (frame == null) {
            return true;
        }
        if (!frame.type().equals("send") || frame.conversationId() == null && !session.caller().isAgent()) {
            return false; // a visitor's send without conversationId looks its conversation up in the store
        }
        dispatch(session, sink, frame);
        return true;
    }

    /** The frame, or null when it was refused as malformed. */
    private ClientFrame parsed(ClientSession session, SocketSink sink, String text) {
        try {
            return ClientFrame.parse(text, json);
        } catch (ClientFrame.FrameException e) {
            refuse(session, sink, e.ref, e);
        } catch (RuntimeException e) {
            refuse(session, sink, null, e);
        }
        return null;
    }

    private void dispatch(ClientSession session, SocketSink sink, ClientFrame frame) {
        String ref = frame.ref();
        try {
            switch (frame.type()) {
                case "ping" -> {
                    limited(session, RateLimiter.Action.control); // a ping costs like any other control frame
                    session.send(new Frame.Pong(ref));
                }
                case "send" -> send(session, sink, frame);
                case "resume", "subscribe" -> {
                    limited(session, RateLimiter.Action.control);
                    long id = session.conversationOf(frame.conversationId());
                    conversations.visibleTo(session.caller(), id).await().atMost(STORE_TIMEOUT);
                    long after = frame.after() == null ? 0 : frame.after();
                    session.requireRoomFor(id);
                    session.send(new Frame.Subscribed(ref, id, after));
                    session.resume(id, after);
                }
                case "unsubscribe" -> {
                    long id = frame.requireConversationId();
                    session.unsubscribe(id);
                    session.send(new Frame.Unsubscribed(ref, id));
                }
                case "typing" -> {
                    // Refused before the store is asked which conversation is meant; the notice takes the token.
                    limiter.requireAvailable(RateLimiter.Action.typing, session.caller().key());
                    typing.announce(session.caller(), session.conversationOf(frame.conversationId()), frame.state());
                }
                case "read" -> {
                    limited(session, RateLimiter.Action.control);
                    receipts.markRead(session.caller(), session.conversationOf(frame.conversationId()), frame.requireSeq());
                }
                case "presence" -> {
                    limited(session, RateLimiter.Action.control);
                    presence.setAvailability(session.caller(), frame.state()).await().atMost(STORE_TIMEOUT);
                }
                default -> throw new ApiException(ErrorCode.UNKNOWN_TYPE, "unknown frame type");
            }
        } catch (ClientFrame.FrameException e) {
            refuse(session, sink, e.ref, e);
        } catch (RuntimeException e) {
            refuse(session, sink, ref, e);
        }
    }

    /** Refuses the frame with 429 rate_limited when its caller is over the rate of {@code action}. */
    private void limited(ClientSession session, RateLimiter.Action action) {
        limiter.acquire(action, session.caller().key());
    }

    /** Acknowledged once its batch is committed; refused at once when invalid, rate limited or overloaded. */
    private void send(ClientSession session, SocketSink sink, ClientFrame frame) {
        messages.submit(session.caller(), session.conversationOf(frame.conversationId()), frame.clientMsgId(), frame.text(),
                frame.internal(), frame.attachments())
                .whenComplete((result, failure) -> {
                    if (result != null) {
                        session.send(Frame.Ack.of(frame.ref(), result));
                    } else {
                        refuse(session, sink, frame.ref(), failure instanceof CompletionException c ? c.getCause() : failure);
                    }
                });
    }

    /** An error frame for a refused client frame; a client that keeps going over its rate limits is closed. */
    private static void refuse(ClientSession session, SocketSink sink, String ref, Throwable failure) {
        ApiException refusal = failure instanceof ApiException api ? api
                : StoreFailures.unavailable(failure) ? StoreFailures.toApi() : internal(failure);
        session.send(new Frame.Error(ref, refusal.code(), refusal.getMessage()));
        if (refusal instanceof RateLimitedException limited && limited.clientsFault()) {
            sink.violation();
        }
    }

    private static ApiException internal(Throwable e) {
        LOG.errorf(e, "frame handling failed");
        return new ApiException(ErrorCode.INTERNAL_ERROR, "the frame could not be processed");
    }
}
