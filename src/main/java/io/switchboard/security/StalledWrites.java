package io.switchboard.security;

import java.util.concurrent.TimeUnit;

import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.switchboard.config.SwitchboardConfig;
import io.vertx.core.http.HttpServerOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The last bound on a client that stopped reading: when nothing could be written to a connection for
 * {@code switchboard.limits.write-stall-timeout}, Vert.x closes it (Netty's writer-idle event). Without it a
 * dropped slow consumer's close frame, queued behind its backlog, would never complete, and Vert.x starts its
 * own WebSocket closing timeout only once the close frame is written: the connection and its queued bytes
 * would stay for as long as the client kept sending. Applies to every connection, HTTP and WebSocket alike.
 */
@ApplicationScoped
public class StalledWrites implements HttpServerOptionsCustomizer {

    @Inject SwitchboardConfig config;

    @Override
    public void customizeHttpServer(HttpServerOptions options) {
        bound(options);
    }

    @Override
    public void customizeHttpsServer(HttpServerOptions options) {
        bound(options);
    }

    private void bound(HttpServerOptions options) {
        TimeUnit unit = options.getIdleTimeoutUnit();
        long millis = config.limits().writeStallTimeout().toMillis();
        options.setWriteIdleTimeout((int) Math.max(1, unit.convert(millis, TimeUnit.MILLISECONDS)));
    }
}
