package io.switchboard.deploy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import io.switchboard.support.AppInstance;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * Traces reach an OTLP collector once one is named (they are off by default): the packaged app, told to
 * export over OTLP/HTTP to a collector stand-in on a real socket, sends the spans of a request it served —
 * named after the route, from the service "switchboard".
 */
class TracingIT {

    @Test
    void spansOfServedRequestsReachTheCollectorWhenOneIsConfigured() throws Exception {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        HttpServer collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        collector.createContext("/v1/traces", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            synchronized (received) {
                received.writeBytes(body);
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        collector.start();
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setDataDirectory(Files.createTempDirectory("switchboard-tracing-db")).setCleanDataDirectory(true).start();
                AppInstance app = AppInstance.start("tracing", postgres.getPort(), Map.of(
                        "QUARKUS_OTEL_SDK_DISABLED", "false",
                        "QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + collector.getAddress().getPort(),
                        "QUARKUS_OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf",
                        "QUARKUS_OTEL_BSP_SCHEDULE_DELAY", "200ms"))) {
            app.api().newVisitor();
            Awaitility.await("spans at the collector").atMost(Duration.ofSeconds(30)).until(() -> {
                String spans;
                synchronized (received) {
                    spans = received.toString(StandardCharsets.ISO_8859_1);
                }
                return spans.contains("POST /api/visitors") && spans.contains("switchboard");
            });
        } finally {
            collector.stop(0);
        }
        assertTrue(received.size() > 0);
    }
}
