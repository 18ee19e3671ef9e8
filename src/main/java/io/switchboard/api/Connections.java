package io.switchboard.api;

import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/** Closing an HTTP connection now, which Vert.x's own close does not always do. */
public final class Connections {

    private Connections() {
    }

    /**
     * Closes the TCP connection at once, from Vert.x's handler towards the socket. Vert.x's
     * {@link HttpConnection#close()} waits for the request in flight to end, and a request whose body the server
     * refused unread never does: the client would wait for an end that never comes.
     */
    public static void closeNow(HttpConnection connection) {
        if (connection instanceof ConnectionBase base) {
            base.channelHandlerContext().close();
        } else {
            connection.close();
        }
    }
}
