package io.switchboard.live.transport;

import io.quarkus.websockets.next.OnBinaryMessage;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnError;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnPingMessage;
import io.quarkus.websockets.next.OnPongMessage;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.common.annotation.NonBlocking;
import io.switchboard.identity.Callers;
import io.switchboard.identity.Roles;
import io.vertx.core.buffer.Buffer;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;

/** {@code /ws/visitor}: the handshake is refused (401) without a valid visitor token. */
@WebSocket(path = "/ws/visitor")
@RolesAllowed(Roles.VISITOR)
public class VisitorSocket {

    @Inject WebSocketTransport transport;
    @Inject Callers callers;

    @OnOpen
    @NonBlocking
    public void open(WebSocketConnection connection) {
        transport.open(connection, callers.current(), callers.tokenHash(), false);
    }

    /** Like every callback here, on the event loop: it only queues the frame (see Inbound). */
    @OnTextMessage
    @NonBlocking
    public void text(WebSocketConnection connection, String frame) {
        transport.receive(connection, frame);
    }

    /** Frames are JSON text: a binary frame is answered with an error frame (and counts like any frame). */
    @OnBinaryMessage
    @NonBlocking
    public void binary(WebSocketConnection connection, Buffer frame) {
        transport.receiveBinary(connection);
    }

    /** A protocol-level ping (OkHttp's pingInterval, URLSession's sendPing) keeps the connection alive too. */
    @OnPingMessage
    @NonBlocking
    public void ping(WebSocketConnection connection, Buffer data) {
        transport.activity(connection);
    }

    /** A pong, answering the server's pings (RFC 6455 §5.5.3): a sign of life like any other frame. */
    @OnPongMessage
    @NonBlocking
    public void pong(WebSocketConnection connection, Buffer data) {
        transport.activity(connection);
    }

    @OnClose
    @NonBlocking
    public void close(WebSocketConnection connection) {
        transport.close(connection);
    }

    @OnError
    public void error(WebSocketConnection connection, Throwable failure) {
        transport.error(connection, failure);
    }
}
