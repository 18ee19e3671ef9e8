package io.switchboard.live.transport;

import java.time.Duration;

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

    private record Live(ClientSession session, SocketSink sink) {
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
        connection.userData().put(LIVE, new Live(session, sink));
        sink.watch(() -> close(connection));
        session.send(new Frame.Hello(caller.author()));
        if (feed) {
            session.followFeed();
        }
    }

    public void receive(WebSocketConnection connection, String text) {
        Live live = connection.userData().get(LIVE);
        if (live == null) {
            return;
        }
        live.sink().active();
        ClientSession session = live.session();
        String ref = null;
        try {
            ClientFrame frame = ClientFrame.parse(text, json);
            ref = frame.ref();
            switch (frame.type()) {
                case "ping" -> session.send(new Frame.Pong(ref));
                case "send" -> session.send(Frame.Ack.of(ref, messages.send(session.caller(),
                        session.conversationOf(frame.conversationId()), frame.clientMsgId(), frame.text())));
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
            session.send(new Frame.Error(e.ref, e.code(), e.getMessage()));
        } catch (ApiException e) {
            session.send(new Frame.Error(ref, e.code(), e.getMessage()));
            if (e instanceof RateLimitedException) {
                live.sink().violation();
            }
        } catch (RuntimeException e) {
            ApiException refused = StoreFailures.unavailable(e) ? StoreFailures.toApi() : internal(e);
            session.send(new Frame.Error(ref, refused.code(), refused.getMessage()));
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

    private static ApiException internal(RuntimeException e) {
        LOG.errorf(e, "frame handling failed");
        return new ApiException(500, "internal_error", "the frame could not be processed");
    }
}
