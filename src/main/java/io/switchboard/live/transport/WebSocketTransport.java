package io.switchboard.live.transport;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.websockets.next.UserData.TypedKey;
import io.quarkus.websockets.next.WebSocketConnection;
import io.switchboard.api.ApiException;
import io.switchboard.api.StoreFailures;
import io.switchboard.conversation.ConversationReader;
import io.switchboard.conversation.ConversationView;
import io.switchboard.conversation.Conversations;
import io.switchboard.identity.Caller;
import io.switchboard.live.FeedListener;
import io.switchboard.live.LiveHub;
import io.switchboard.live.Sink;
import io.switchboard.live.Subscription;
import io.switchboard.live.Transport;
import io.switchboard.message.MessageView;
import io.switchboard.message.Messages;
import io.switchboard.message.SendResult;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The WebSocket protocol shared by {@code /ws/visitor} and {@code /ws/agent}: {@code send}, {@code resume}
 * (alias {@code subscribe}), {@code unsubscribe} and {@code ping} in; {@code hello}, {@code ack},
 * {@code subscribed}, {@code message}, {@code conversation}, {@code activity}, {@code pong} and
 * {@code error} out. Runs on worker threads (the endpoints' callbacks are blocking), so sends may use JDBC.
 */
@ApplicationScoped
public class WebSocketTransport {

    private static final Logger LOG = Logger.getLogger(WebSocketTransport.class);
    private static final TypedKey<Session> SESSION = new TypedKey<>("switchboard.session");

    @Inject
    LiveHub hub;

    @Inject
    Messages messages;

    @Inject
    Conversations conversations;

    @Inject
    ConversationReader conversationReader;

    @Inject
    Frames frames;

    @Inject
    ObjectMapper json;

    /** What one connection holds: its caller, its subscriptions, and for agents the feed. */
    private final class Session implements FeedListener {
        final WebSocketConnection connection;
        final Caller caller;
        final Map<Long, Subscription> subscriptions = new ConcurrentHashMap<>();

        Session(WebSocketConnection connection, Caller caller) {
            this.connection = connection;
            this.caller = caller;
        }

        @Override
        public void conversation(ConversationView conversation) {
            send(connection, new Frames.Conversation(conversation));
        }

        @Override
        public void activity(long conversationId, long lastSeq) {
            send(connection, new Frames.Activity(conversationId, lastSeq));
        }
    }

    public void open(WebSocketConnection connection, Caller caller) {
        Session session = new Session(connection, caller);
        connection.userData().put(SESSION, session);
        hub.connected(Transport.websocket);
        boolean agent = caller instanceof Caller.AgentCaller;
        send(connection, new Frames.Hello(agent ? "agent" : "visitor", caller.id(), caller.displayName()));
        if (agent) {
            hub.follow(session);
        }
    }

    public void receive(WebSocketConnection connection, String text) {
        Session session = connection.userData().get(SESSION);
        if (session == null) {
            return;
        }
        String ref = null;
        try {
            ClientFrame frame = ClientFrame.parse(readTree(text));
            ref = frame.ref();
            switch (frame.type()) {
                case "ping" -> send(connection, new Frames.Pong(ref));
                case "send" -> send(session, frame);
                case "resume", "subscribe" -> resume(session, frame);
                case "unsubscribe" -> unsubscribe(session, frame);
                default -> throw ApiException.badRequest("unknown_type", "unknown frame type");
            }
        } catch (ClientFrame.FrameException e) {
            send(connection, new Frames.Error(e.ref, e.code(), e.getMessage()));
        } catch (ApiException e) {
            send(connection, new Frames.Error(ref, e.code(), e.getMessage()));
        } catch (RuntimeException e) {
            if (StoreFailures.unavailable(e)) {
                ApiException unavailable = StoreFailures.toApi();
                send(connection, new Frames.Error(ref, unavailable.code(), unavailable.getMessage()));
                return;
            }
            LOG.errorf(e, "frame handling failed");
            send(connection, new Frames.Error(ref, "internal_error", "the frame could not be processed"));
        }
    }

    public void close(WebSocketConnection connection) {
        Session session = connection.userData().get(SESSION);
        if (session == null) {
            return;
        }
        connection.userData().remove(SESSION);
        hub.unfollow(session);
        session.subscriptions.values().forEach(Subscription::close);
        session.subscriptions.clear();
        hub.disconnected(Transport.websocket);
    }

    private JsonNode readTree(String text) {
        try {
            return json.readTree(text);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("malformed_frame", "a frame is a JSON object with a type");
        }
    }

    private void send(Session session, ClientFrame frame) {
        long conversationId = conversationOf(session, frame);
        SendResult result = messages.send(session.caller, conversationId, frame.clientMsgId(), frame.text());
        send(session.connection, new Frames.Ack(frame.ref(), result.message(), result.duplicate()));
    }

    private void resume(Session session, ClientFrame frame) {
        long conversationId = conversationOf(session, frame);
        conversationReader.visibleTo(session.caller, conversationId).await().atMost(Duration.ofSeconds(10));
        long after = frame.after() == null ? 0 : frame.after();
        Subscription previous = session.subscriptions.remove(conversationId);
        if (previous != null) {
            previous.close();
        }
        send(session.connection, new Frames.Subscribed(frame.ref(), conversationId, after));
        boolean agent = session.caller instanceof Caller.AgentCaller;
        WebSocketConnection connection = session.connection;
        session.subscriptions.put(conversationId, hub.subscribe(conversationId, after, Transport.websocket, new Sink() {
            @Override
            public void message(MessageView message) {
                send(connection, new Frames.Message(message));
            }

            @Override
            public void conversation(ConversationView conversation) {
                if (!agent) { // agents hear every change through the feed already
                    send(connection, new Frames.Conversation(conversation));
                }
            }
        }));
    }

    private void unsubscribe(Session session, ClientFrame frame) {
        if (frame.conversationId() == null) {
            throw new ClientFrame.FrameException(frame.ref(), "invalid_conversation_id", "conversationId is required");
        }
        Subscription subscription = session.subscriptions.remove(frame.conversationId());
        if (subscription != null) {
            subscription.close();
        }
        send(session.connection, new Frames.Unsubscribed(frame.ref(), frame.conversationId()));
    }

    /** The frame's conversation; a visitor may leave it out to mean "my current conversation". */
    private long conversationOf(Session session, ClientFrame frame) {
        if (frame.conversationId() != null) {
            return frame.conversationId();
        }
        if (session.caller instanceof Caller.VisitorCaller) {
            return conversations.currentFor(session.caller.id());
        }
        throw new ClientFrame.FrameException(frame.ref(), "invalid_conversation_id", "conversationId is required");
    }

    private void send(WebSocketConnection connection, Object frame) {
        if (!connection.isOpen()) {
            return;
        }
        connection.sendText(frames.write(frame)).subscribe().with(ok -> {
        }, failure -> LOG.debugf("websocket send failed: %s", failure.getMessage()));
    }
}
