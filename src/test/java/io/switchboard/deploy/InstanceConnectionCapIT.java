package io.switchboard.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.switchboard.support.Api;
import io.switchboard.support.AppInstance;
import io.switchboard.support.Json;
import io.switchboard.support.WsClient;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The per-replica connection cap that keeps a pod inside its memory limit
 * ({@code switchboard.limits.connections-per-instance}), on the packaged app: once it holds its maximum of
 * live connections, whoever they belong to, the next WebSocket gets {@code instance_full} and close 1013
 * (clients reconnect, through the Service, to another replica) and the next stream a 503 with Retry-After;
 * a connection that ends frees its place.
 */
class InstanceConnectionCapIT {

    private static final int CAP = 4;

    @Test
    void aFullReplicaRefusesTheNextConnectionOnEveryTransportUntilOneEnds() throws Exception {
        List<WsClient> open = new ArrayList<>();
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setDataDirectory(Files.createTempDirectory("switchboard-cap-db")).setCleanDataDirectory(true).start();
                AppInstance app = AppInstance.start("instance-cap", postgres.getPort(),
                        Map.of("SWITCHBOARD_LIMITS_CONNECTIONS_PER_INSTANCE", Integer.toString(CAP)))) {
            Api api = app.api();
            for (int i = 0; i < CAP; i++) { // distinct visitors: the per-identity and per-IP limits are far away
                open.add(WsClient.connect(app.base(), "visitor", api.newVisitor().token()));
            }
            WsClient refused = WsClient.open(app.base(), "visitor", api.newVisitor().token());
            open.add(refused);
            refused.awaitClosed(1013);
            assertEquals("instance_full", refused.awaitFrame(f -> f.get("type").asText().equals("error")).get("code").asText());

            Api.Visitor streaming = api.newVisitor();
            long conversation = api.conversation(streaming.token());
            HttpResponse<String> stream = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    app.base().resolve("/api/conversations/" + conversation + "/events?after=0"))
                    .header("Authorization", "Bearer " + streaming.token()).header("Accept", "text/event-stream")
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(503, stream.statusCode(), stream.body());
            assertEquals("instance_full", Json.parse(stream.body()).get("error").asText());
            assertTrue(stream.headers().firstValue("Retry-After").isPresent(), "Retry-After");
            // Requests are not connections: the visitor can still send and read its history.
            api.sendOk(streaming.token(), conversation, "m-1", "still served");

            open.remove(0).close();
            String another = api.newVisitor().token();
            // The close reaches the server asynchronously: try again until the freed place is given.
            WsClient next = Awaitility.await("a freed place is given to the next connection").atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(100)).until(() -> {
                        WsClient candidate = WsClient.open(app.base(), "visitor", another);
                        if (candidate.awaitFrame(f -> f.get("type").asText().matches("hello|error")).get("type").asText()
                                .equals("hello")) {
                            return candidate;
                        }
                        candidate.close();
                        return null;
                    }, java.util.Objects::nonNull);
            open.add(next);
            assertTrue(app.log().contains("maximum of " + CAP + " live connections"), "the refusal is logged");
        } finally {
            open.forEach(WsClient::close);
        }
    }
}
