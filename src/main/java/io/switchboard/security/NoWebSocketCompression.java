package io.switchboard.security;

import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.http.HttpServerOptions;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * No WebSocket compression of any kind. {@code quarkus.websockets-next.server.per-message-compression-supported}
 * turns off {@code permessage-deflate} only; Vert.x still accepted the older per-frame extension
 * ({@code deflate-frame}, {@code x-webkit-deflate-frame}) for any client that offered it, and each such
 * connection holds a zlib deflater and inflater: about 140 KB of native memory that no heap setting bounds
 * (measured by bench/: 8,000 idle connections from a client offering it took 1.1 GB of malloc'd memory). A
 * hostile client could offer it on purpose. Chat frames are a few hundred bytes; compression buys nothing.
 */
@ApplicationScoped
public class NoWebSocketCompression implements HttpServerOptionsCustomizer {

    @Override
    public void customizeHttpServer(HttpServerOptions options) {
        off(options);
    }

    @Override
    public void customizeHttpsServer(HttpServerOptions options) {
        off(options);
    }

    private static void off(HttpServerOptions options) {
        options.setPerFrameWebSocketCompressionSupported(false);
        options.setPerMessageWebSocketCompressionSupported(false);
    }
}
