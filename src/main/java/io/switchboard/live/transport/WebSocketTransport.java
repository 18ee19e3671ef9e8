package io.switchboard.live.transport;

import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.websockets.next.UserData.TypedKey;
import io.quarkus.websockets.next.WebSocketConnection;
import io.switchboard.api.ApiException;
import io.switchboard.api.ClientAddress;
import io.switchboard.api.RateLimitedException;
import io.switchboard.api.StoreFailures;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.conversation.ConversationReader;
import io.switchboard.conversation.Receipts;
import io.switchboard.conversation.TypingNotices;
import io.switchboard.identity.Caller;
import io.switchboard.live.ClientSession;
import io.switchboard.live.ClientSessions;
import io.switchboard.live.Frame;
import io.switchboard.live.FrameWriter;
import io.switchboard.live.Transport;
import io.switchboard.message.Messages;
import io.switchboard.presence.Presence;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The WebSocket protocol of {@code /ws/visitor} and {@code /ws/agent}: decode a client frame, call the
 * session or a domain service, encode the answer. Runs on worker threads (the endpoints' callbacks are
 * blocking), so sends may use JDBC. See docs/protocol.md.
 */
@ApplicationScoped
public class WebSocketTransport {

    private static final Logger LOG = Logger.getLogger(WebSocketTransport.class);
    private static final Duration STORE_TIMEOUT = Duration.ofSeconds(10);
    private static final TypedKey<Live> LIVE = new TypedKey<>("switchboard.live");

    private record Live(ClientSession session, SocketSink sink, Inbound inbound) {
    }

    @Inject ClientSessions sessions;
    @Inject Messages messages;
    @Inject ConversationReader conversations;
    @Inject Receipts receipts;
    @Inject TypingNotices typing;
    @Inject Presence presence;
    @Inject FrameWriter frames;
    @Inject ObjectMapper json;
    @Inject SwitchboardConfig config;
    @Inject Vertx vertx;

    /** Characters received on every WebSocket of this instance and not handled yet (see Inbound). */
    private final AtomicLong inboundTotal = new AtomicLong();

    /** {@code feed}: an agent follows every conversation's changes (off for integrations, one-chat apps). */
    public void open(WebSocketConnection connection, Caller caller, String tokenHash, boolean feed) {
        SocketSink sink = new SocketSink(connection, caller.key(), frames, config.limits(), vertx);
        ClientSession session;
        try {
            session = sessions.open(caller, tokenHash, ClientAddress.of(connection.handshakeRequest().remoteAddress()),
                    Transport.websocket, sink);
        } catch (ApiException e) { // 429 too_many_connections, 503 draining
            sink.refuse(e);
            return;
        }
        Inbound inbound = new Inbound(config.limits().inboundFrames(), config.limits().inboundBytes(), inboundTotal,
                config.limits().inboundBytesTotal(), vertx, text -> handle(connection, text));
        connection.userData().put(LIVE, new Live(session, sink, inbound));
        sink.watch(() -> close(connection));
        session.send(new Frame.Hello(caller.author()));
        if (feed) {
            session.followFeed();
        }
    }

    /** On the event loop: the frame joins the connection's bounded inbound queue, or the client is closed. */
    public void receive(WebSocketConnection connection, String text) {
        Live live = connection.userData().get(LIVE);
        if (live == null) {
            return;
        }
        live.sink().active();
        if (!live.inbound().offer(text)) {
            live.sink().flooded();
        }
    }

    /** On a worker thread, one frame at a time per connection, in the order they came. */
    private void handle(WebSocketConnection connection, String text) {
        Live live = connection.userData().get(LIVE);
        if (live == null) {
            return;
        }
        ClientSession session = live.session();
        String ref = null;
        try {
            ClientFrame frame = ClientFrame.parse(text, json);
            ref = frame.ref();
            switch (frame.type()) {
                case "ping" -> session.send(new Frame.Pong(ref));
                case "send" -> {
                    String sent = ref;
                    messages.submit(session.caller(), session.conversationOf(frame.conversationId()),
                            frame.clientMsgId(), frame.text()).whenComplete((result, failure) -> {
                                if (result != null) {
                                    session.send(Frame.Ack.of(sent, result));
                                } else {
                                    refuse(live, sent, failure instanceof CompletionException c ? c.getCause() : failure);
                                }
                            });
                }
                case "resume", "subscribe" -> {
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
                case "typing" -> typing.announce(session.caller(), session.conversationOf(frame.conversationId()), frame.state());
                case "read" -> receipts.markRead(session.caller(), session.conversationOf(frame.conversationId()),
                        frame.requireSeq());
                case "presence" -> presence.setAvailability(session.caller(), frame.state()).await().atMost(STORE_TIMEOUT);
                default -> throw ApiException.badRequest("unknown_type", "unknown frame type");
            }
        } catch (ClientFrame.FrameException e) {
            refuse(live, e.ref, e);
        } catch (RuntimeException e) {
            refuse(live, ref, e);
        }
    }

    /** An error frame for a refused client frame; a client that keeps going over its rate limits is closed. */
    private static void refuse(Live live, String ref, Throwable failure) {
        ApiException refusal = failure instanceof ApiException api ? api
                : StoreFailures.unavailable(failure) ? StoreFailures.toApi() : internal(failure);
        live.session().send(new Frame.Error(ref, refusal.code(), refusal.getMessage()));
        if (refusal instanceof RateLimitedException limited && limited.clientsFault()) {
            live.sink().violation();
        }
    }

    /** The connection ended, however: its session ends too. */
    public void close(WebSocketConnection connection) {
        Live live = connection.userData().remove(LIVE);
        if (live != null) {
            live.sink().stop();
            live.session().close();
        }
    }

    private static ApiException internal(Throwable e) {
        LOG.errorf(e, "frame handling failed");
        return new ApiException(500, "internal_error", "the frame could not be processed");
    }
}
