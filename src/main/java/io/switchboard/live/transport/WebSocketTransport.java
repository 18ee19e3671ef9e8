package io.switchboard.live.transport;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.UserData.TypedKey;
import io.quarkus.websockets.next.WebSocketConnection;
import io.switchboard.api.ApiException;
import io.switchboard.api.StoreFailures;
import io.switchboard.conversation.ConversationReader;
import io.switchboard.conversation.ConversationView;
import io.switchboard.conversation.Conversations;
import io.switchboard.identity.Caller;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.live.ConnectionRegistry;
import io.switchboard.live.FeedListener;
import io.switchboard.live.LiveConnection;
import io.switchboard.live.LiveHub;
import io.switchboard.live.Sink;
import io.switchboard.live.Subscription;
import io.switchboard.live.Transport;
import io.switchboard.message.MessageView;
import io.switchboard.message.Messages;
import io.switchboard.message.SendResult;
import io.switchboard.security.RateLimitedException;
import io.vertx.core.Vertx;
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

    @Inject
    ConnectionRegistry registry;

    @Inject
    io.switchboard.live.TypingNotices typing;

    @Inject
    io.switchboard.live.Presence presence;

    @Inject
    io.switchboard.conversation.Receipts receipts;

    @Inject
    SwitchboardConfig config;

    @Inject
    Vertx vertx;

    /**
     * What one connection holds: its caller, its subscriptions, for agents the feed, and the bookkeeping
     * that bounds it (bytes queued to a client that does not read, idle time, rate-limit violations).
     */
    private final class Session implements FeedListener {
        final WebSocketConnection connection;
        final Caller caller;
        final Map<Long, Subscription> subscriptions = new ConcurrentHashMap<>();
        final AtomicLong pendingBytes = new AtomicLong();
        /** A replay (resume from an old cursor) waits while half the slow-consumer limit is queued. */
        final io.switchboard.live.ReadyGate gate = new io.switchboard.live.ReadyGate(
                () -> pendingBytes.get() < config.limits().maxPendingBytes() / 2);
        final AtomicInteger violations = new AtomicInteger();
        volatile long lastFrameAt = System.nanoTime();
        volatile LiveConnection admission;
        volatile long idleTimer = -1;

        Session(WebSocketConnection connection, Caller caller) {
            this.connection = connection;
            this.caller = caller;
        }

        @Override
        public void conversation(ConversationView conversation) {
            send(this, new Frames.Conversation(conversation));
        }

        @Override
        public void activity(long conversationId, long lastSeq) {
            send(this, new Frames.Activity(conversationId, lastSeq));
        }

        @Override
        public void presence(io.switchboard.live.Presence.AgentPresence presence) {
            send(this, new Frames.Presence(presence));
        }
    }

    public void open(WebSocketConnection connection, Caller caller, String tokenHash) {
        Session session = new Session(connection, caller);
        String ip = ClientAddress.of(connection.handshakeRequest().remoteAddress());
        try {
            session.admission = registry.admit(caller.key(), tokenHash, ip, Transport.websocket, caller.expiresAt(),
                    (code, reason) -> close(connection, code, reason));
        } catch (RateLimitedException e) {
            send(connection, new Frames.Error(null, e.code(), e.getMessage()));
            close(connection, LiveConnection.TOO_MANY_CONNECTIONS, e.code());
            return;
        } catch (ApiException e) { // draining
            send(connection, new Frames.Error(null, e.code(), e.getMessage()));
            close(connection, LiveConnection.GOING_AWAY, e.code());
            return;
        }
        connection.userData().put(SESSION, session);
        long idleMillis = config.limits().idleTimeout().toMillis();
        session.idleTimer = vertx.setPeriodic(Math.max(1000, idleMillis / 4), t -> {
            if (System.nanoTime() - session.lastFrameAt > idleMillis * 1_000_000L) {
                close(connection, LiveConnection.IDLE, "idle: send a ping at least every "
                        + config.limits().idleTimeout().toSeconds() + " s");
            } else if (session.gate.stalledLongerThan(Duration.ofSeconds(10))) {
                LOG.warnf("dropping websocket consumer that stopped reading during a replay identity=%s",
                        session.caller.key());
                drop(session);
            }
        });
        boolean agent = caller instanceof Caller.AgentCaller;
        send(connection, new Frames.Hello(agent ? "agent" : "visitor", caller.id(), caller.displayName()));
        if (agent) {
            // ?feed=off: a client that only follows the conversations it resumes (an integration, a phone
            // showing one chat) does not need every conversation's activity.
            if (!"off".equals(connection.handshakeRequest().query() == null ? null
                    : queryParam(connection.handshakeRequest().query(), "feed"))) {
                hub.follow(session);
            }
            presence.connected(caller.id());
        }
    }

    private static String queryParam(String query, String name) {
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return pair.substring(eq + 1);
            }
        }
        return null;
    }

    public void receive(WebSocketConnection connection, String text) {
        Session session = connection.userData().get(SESSION);
        if (session == null) {
            return;
        }
        session.lastFrameAt = System.nanoTime();
        String ref = null;
        try {
            ClientFrame frame = ClientFrame.parse(readTree(text));
            ref = frame.ref();
            switch (frame.type()) {
                case "ping" -> send(connection, new Frames.Pong(ref));
                case "send" -> send(session, frame);
                case "resume", "subscribe" -> resume(session, frame);
                case "unsubscribe" -> unsubscribe(session, frame);
                case "presence" -> {
                    if (!(session.caller instanceof Caller.AgentCaller)
                            || !("online".equals(frame.state()) || "away".equals(frame.state()))) {
                        throw ApiException.badRequest("invalid_state", "agents set state to online or away");
                    }
                    presence.setAvailability(session.caller.id(), frame.state()).await().atMost(Duration.ofSeconds(10));
                }
                case "typing" -> typing.announce(session.caller, conversationOf(session, frame), frame.state());
                case "read" -> {
                    if (frame.seq() == null) {
                        throw new ClientFrame.FrameException(ref, "invalid_cursor", "seq is required");
                    }
                    receipts.markRead(session.caller, conversationOf(session, frame), frame.seq());
                }
                default -> throw ApiException.badRequest("unknown_type", "unknown frame type");
            }
        } catch (RateLimitedException e) {
            send(connection, new Frames.Error(ref, e.code(), e.getMessage()));
            if (session.violations.incrementAndGet() >= config.limits().violationsBeforeClose()) {
                LOG.warnf("closing abusive websocket identity=%s ip=%s", session.caller.key(),
                        ClientAddress.of(connection.handshakeRequest().remoteAddress()));
                close(connection, LiveConnection.POLICY_VIOLATION, "rate limit exceeded repeatedly");
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
        if (session.caller instanceof Caller.AgentCaller) {
            presence.disconnected(session.caller.id());
        }
        session.subscriptions.values().forEach(Subscription::close);
        if (session.caller instanceof Caller.AgentCaller agentCaller) {
            session.subscriptions.keySet().forEach(id -> typing.viewing(agentCaller, id, false));
        }
        session.subscriptions.clear();
        if (session.idleTimer >= 0) {
            vertx.cancelTimer(session.idleTimer);
        }
        registry.release(session.admission);
    }

    /** A transport-level failure; an oversize message is closed with 1009 as documented. */
    public void error(WebSocketConnection connection, Throwable failure) {
        if (failure instanceof IllegalStateException && failure.getMessage() != null
                && failure.getMessage().contains("max message size")) {
            close(connection, LiveConnection.TOO_BIG, "message too big");
            return;
        }
        LOG.warnf("websocket error: %s", failure.getClass().getSimpleName());
        close(connection, 1011, "internal error");
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
        session.subscriptions.put(conversationId, hub.subscribe(conversationId, after, Transport.websocket, new Sink() {
            @Override
            public void message(MessageView message) {
                send(session, new Frames.Message(message));
            }

            @Override
            public boolean ready() {
                return session.gate.ready();
            }

            @Override
            public void whenReady(Runnable next) {
                session.gate.whenReady(next);
            }

            @Override
            public void conversation(ConversationView conversation) {
                if (!agent) { // agents hear every change through the feed already
                    send(session, new Frames.Conversation(conversation));
                }
            }

            @Override
            public void typing(io.switchboard.live.Typing typing) {
                send(session, new Frames.Typing(typing));
            }

            @Override
            public void read(io.switchboard.conversation.ReadReceipt receipt) {
                send(session, new Frames.Read(receipt));
            }

            /** Colleagues viewing this conversation, as far as this connection has been told. */
            private final java.util.Set<Long> viewers = java.util.concurrent.ConcurrentHashMap.newKeySet();

            @Override
            public void viewing(io.switchboard.live.Typing viewing) {
                boolean colleague = viewing.author().id() != session.caller.id();
                if (colleague || !agent) {
                    send(session, new Frames.Viewing(viewing));
                }
                // Viewing is ephemeral, so a colleague who opens the conversation later would never hear
                // that this agent is already here: answer a newcomer's "start" once with our own.
                if (agent && colleague && session.caller instanceof Caller.AgentCaller me) {
                    if (!viewing.typing()) {
                        viewers.remove(viewing.author().id());
                    } else if (viewers.add(viewing.author().id())) {
                        typing.viewing(me, conversationId, true);
                    }
                }
            }
        }));
        if (session.caller instanceof Caller.AgentCaller agentCaller) {
            typing.viewing(agentCaller, conversationId, true);
        }
    }

    private void unsubscribe(Session session, ClientFrame frame) {
        if (frame.conversationId() == null) {
            throw new ClientFrame.FrameException(frame.ref(), "invalid_conversation_id", "conversationId is required");
        }
        Subscription subscription = session.subscriptions.remove(frame.conversationId());
        if (subscription != null) {
            subscription.close();
            if (session.caller instanceof Caller.AgentCaller agentCaller) {
                typing.viewing(agentCaller, frame.conversationId(), false);
            }
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

    /**
     * Sends to a session, counting the bytes not yet handed to the network. A client that stops reading
     * makes that count grow; past {@code switchboard.limits.max-pending-bytes} it is dropped (4000) and
     * resumes later from its cursor, so it cannot make the server hold an unbounded backlog.
     */
    private void send(Session session, Object frame) {
        WebSocketConnection connection = session.connection;
        if (!connection.isOpen()) {
            return;
        }
        String text = frames.write(frame);
        long size = text.length();
        if (session.pendingBytes.addAndGet(size) > config.limits().maxPendingBytes()) {
            session.pendingBytes.addAndGet(-size);
            LOG.warnf("dropping slow websocket consumer identity=%s pending=%d bytes", session.caller.key(),
                    session.pendingBytes.get());
            drop(session);
            return;
        }
        connection.sendText(text).subscribe().with(ok -> written(session, size), failure -> written(session, size));
    }

    /**
     * A slow consumer, whichever way it was found: its session ends at once (nothing more is produced for it,
     * it no longer counts against its connection limit), and the 4000 close frame is queued behind what it
     * has not read yet, so a client that reads again finds it there. One that never reads is torn down by
     * {@link StalledWrites} instead.
     */
    private void drop(Session session) {
        close(session.connection);
        close(session.connection, LiveConnection.SLOW_CONSUMER, "too slow: reconnect and resume from your cursor");
    }

    private static void written(Session session, long size) {
        session.pendingBytes.addAndGet(-size);
        session.gate.progress();
    }

    private void send(WebSocketConnection connection, Object frame) {
        Session session = connection.userData().get(SESSION);
        if (session != null) {
            send(session, frame);
        } else if (connection.isOpen()) {
            connection.sendText(frames.write(frame)).subscribe().with(ok -> {
            }, failure -> LOG.debugf("websocket send failed: %s", failure.getMessage()));
        }
    }

    private void close(WebSocketConnection connection, int code, String reason) {
        if (connection.isOpen()) {
            connection.close(new CloseReason(code, reason)).subscribe().with(ok -> {
            }, failure -> LOG.debugf("websocket close failed: %s", failure.getMessage()));
        }
    }
}
