package io.switchboard.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.Map;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A real SMTP server (GreenMail) on a free loopback port, started before the application, which sends to
 * it. Tests read what arrived, and can stop and start it (a mail server that is away) on the same port.
 */
public class GreenMailResource implements QuarkusTestResourceLifecycleManager {

    private static GreenMail server;
    private static int port;

    @Override
    public Map<String, String> start() {
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        startServer();
        return Map.of("quarkus.mailer.host", "127.0.0.1", "quarkus.mailer.port", String.valueOf(port),
                "quarkus.mailer.mock", "false", "quarkus.mailer.start-tls", "DISABLED", "quarkus.mailer.tls", "false");
    }

    public static synchronized GreenMail server() {
        return server;
    }

    public static int port() {
        return port;
    }

    public static synchronized void startServer() {
        server = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        server.start();
    }

    public static synchronized void stopServer() {
        if (server != null) {
            server.stop();
        }
    }

    @Override
    public void stop() {
        stopServer();
    }
}
