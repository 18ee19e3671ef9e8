package io.switchboard.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.switchboard.support.Api;
import io.switchboard.support.AppInstance;
import io.switchboard.support.WsClient;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The maximum connection age ({@code switchboard.limits.max-connection-age}), on the packaged app: a
 * connection is closed with 1001 between 80 and 100 % of the age (so that clients come back through the
 * Service and a scaled-out replica gets its share), never before; the client's next connection is served,
 * and its history is intact.
 */
class ConnectionAgeIT {

    private static final long AGE_MILLIS = 4_000;

    @Test
    void connectionsAreRetiredWithinTheLastFifthOfTheirAge() throws Exception {
        List<WsClient> clients = new ArrayList<>();
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setDataDirectory(Files.createTempDirectory("switchboard-age-db")).setCleanDataDirectory(true).start();
                AppInstance app = AppInstance.start("connection-age", postgres.getPort(),
                        Map.of("SWITCHBOARD_LIMITS_MAX_CONNECTION_AGE", AGE_MILLIS + "ms"))) {
            Api api = app.api();
            Api.Visitor visitor = api.newVisitor();
            long conversation = api.conversation(visitor.token());
            api.sendOk(visitor.token(), conversation, "m-1", "before the retirement");
            long opened = System.currentTimeMillis();
            for (int i = 0; i < 5; i++) {
                clients.add(WsClient.following(app.base(), "visitor", visitor.token(), conversation, 0));
            }
            for (WsClient client : clients) {
                client.awaitClosed(1001);
            }
            long lasted = System.currentTimeMillis() - opened;
            assertTrue(lasted >= AGE_MILLIS * 8 / 10, "closed after " + lasted + " ms, before 80 % of the age");
            assertTrue(lasted <= AGE_MILLIS * 2, "closed after " + lasted + " ms");

            WsClient again = WsClient.following(app.base(), "visitor", visitor.token(), conversation, 0);
            clients.add(again);
            assertEquals("before the retirement", again.awaitFrame(f -> f.get("type").asText().equals("message"))
                    .get("message").get("text").asText());
            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(app.management().resolve("/q/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(metrics.lines().anyMatch(l -> l.startsWith("switchboard_connections_retired_total")
                    && Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)) >= 5), "the retirements are counted");
        } finally {
            clients.forEach(WsClient::close);
        }
    }
}
