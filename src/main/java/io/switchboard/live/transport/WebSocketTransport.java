package io.switchboard.live.transport;

import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.quarkus.websockets.next.UserData.TypedKey;
import io.quarkus.websockets.next.WebSocketConnection;
import io.switchboard.api.ApiException;
import io.switchboard.api.ClientAddress;
import io.switchboard.api.ErrorCode;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.identity.Caller;
import io.switchboard.live.ClientSession;
import io.switchboard.live.ClientSessions;
import io.switchboard.live.Frame;
import io.switchboard.live.FrameWriter;
import io.switchboard.live.LiveConnection;
import io.switchboard.live.Transport;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClosedException;
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
    private static final TypedKey<Live> LIVE = new TypedKey<>("switchboard.live");

    private record Live(ClientSession session, SocketSink sink, Inbound inbound) {
    }

    @Inject ClientSessions sessions;
    @Inject WebSocketProtocol protocol;
    @Inject FrameWriter frames;
    @Inject SwitchboardConfig config;
    @Inject Vertx vertx;
    @ConfigProperty(name = "quarkus.websockets-next.server.max-message-size") int maxMessageSize;

    /** Stands for a binary frame in the inbound queue; compared by identity, so no text frame can be it. */
    @SuppressWarnings("StringOperationCanBeSimplified")
    private static final String BINARY = new String("binary frame");

    /** Characters received on every WebSocket of this instance and not handled yet (see Inbound). */
    private final AtomicLong inboundTotal = new AtomicLong();

    /** {@code feed}: an agent follows every conversation's changes (off for integrations, one-chat apps). */
    public void open(WebSocketConnection connection, Caller caller, String tokenHash, boolean feed) {
        SocketSink sink = new SocketSink(connection, caller.key(), frames, config.limits(), vertx);
        ClientSession session;
        try {
            session = sessions.open(caller, tokenHash, ClientAddress.of(connection.handshakeRequest().remoteAddress()),
                    Transport.websocket, sink);
        } catch (ApiException e) { // too_many_connections, instance_full, draining: an error frame, then its close code
            sink.send(new Frame.Error(null, e.code(), e.getMessage()));
            int closes = e.errorCode().closes();
            sink.close(closes != 0 ? closes : LiveConnection.GOING_AWAY, e.code());
            return;
        }
        Inbound inbound = new Inbound(config.limits().inboundFrames(), config.limits().inboundBytes(), inboundTotal,
                config.limits().inboundBytesTotal(), vertx,
                text -> text != BINARY && protocol.handleNow(session, sink, text), text -> handle(connection, text));
        connection.userData().put(LIVE, new Live(session, sink, inbound));
        sink.watch(() -> close(connection));
        session.send(new Frame.Hello(caller.author()));
        if (feed) {
            session.followFeed();
        }
    }

    /**
     * On the event loop: the frame is handled at once when it can be (see WebSocketProtocol.handleNow), else
     * joins the connection's bounded inbound queue, or the client is closed.
     */
    public void receive(WebSocketConnection connection, String text) {
        Live live = connection.userData().get(LIVE);
        if (live == null) {
            return;
        }
        live.sink().active();
        if (text.length() > maxMessageSize) { // one frame up to max-frame-size gets here whole: refuse it cleanly
            SocketSink.close(connection, LiveConnection.TOO_BIG, "message too big");
            return;
        }
        if (!live.inbound().offer(text)) {
            live.sink().flooded();
        }
    }

    /** A binary frame takes its place in the inbound queue like any frame, and is answered in turn. */
    public void receiveBinary(WebSocketConnection connection) {
        receive(connection, BINARY);
    }

    /** A protocol-level ping or any other sign of life: the idle close counts from here. */
    public void activity(WebSocketConnection connection) {
        Live live = connection.userData().get(LIVE);
        if (live != null) {
            live.sink().active();
        }
    }

    /** On a worker thread, one frame at a time per connection, in the order they came. */
    private void handle(WebSocketConnection connection, String text) {
        Live live = connection.userData().get(LIVE);
        if (live == null) {
            return;
        }
        if (text == BINARY) { // identity, not content: only receiveBinary queues this instance
            live.sink().send(new Frame.Error(null, ErrorCode.BINARY_NOT_SUPPORTED.code(), "frames are JSON text; binary frames are not supported"));
            return;
        }
        protocol.handle(live.session(), live.sink(), text);
    }

    /** The connection ended, however: its session ends too. */
    public void close(WebSocketConnection connection) {
        Live live = connection.userData().remove(LIVE);
        if (live != null) {
            live.sink().stop();
            live.session().close();
        }
    }

    /**
     * A transport-level failure. An oversize message is closed with 1009 as documented; a frame that breaks
     * RFC 6455 (too big, invalid UTF-8, bad framing) with the close code the decoder names (1009, 1007, 1002).
     */
    public void error(WebSocketConnection connection, Throwable failure) {
        if (failure instanceof IllegalStateException && failure.getMessage() != null
                && failure.getMessage().contains("max message size")) {
            SocketSink.close(connection, LiveConnection.TOO_BIG, "message too big");
            return;
        }
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof CorruptedWebSocketFrameException corrupted) {
                WebSocketCloseStatus status = corrupted.closeStatus();
                SocketSink.close(connection, status.code(), status.reasonText());
                return;
            }
        }
        if (failure instanceof HttpClosedException) {
            LOG.debugf("websocket closed while writing: %s", failure.getMessage()); // the peer went away
        } else {
            LOG.warnf("websocket error: %s", failure.getClass().getSimpleName());
        }
        SocketSink.close(connection, 1011, "internal error");
    }
}
