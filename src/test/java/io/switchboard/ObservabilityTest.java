package io.switchboard;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

import java.net.URI;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Chat;
import io.switchboard.support.WsClient;

@QuarkusTest
class ObservabilityTest {

    @TestHTTPResource("/")
    URI base;

    @Test
    void metricsExposeConnectionsPerTransportPersistedMessagesLatencyAndFanOut() {
        Chat chat = Chat.start(base);
        try (WsClient ws = WsClient.following(base, "visitor", chat.visitorToken(), chat.id(), 0)) {
            chat.send(chat.visitorToken(), "metric-1", "count me");
            ws.awaitFrame(f -> f.get("type").asText().equals("message"));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().get("/q/metrics").then().statusCode(200)
                    .body(containsString("switchboard_connections{transport=\"websocket\"}"))
                    .body(containsString("switchboard_connections{transport=\"longpoll\"}"))
                    .body(containsString("switchboard_messages_persisted_total"))
                    .body(containsString("switchboard_delivery_latency_seconds_count{transport=\"websocket\"}"))
                    .body(containsString("switchboard_fanout_events_total")));
        }
    }

    @Test
    void theApiIsDescribedByOpenApi() {
        given().get("/q/openapi?format=json").then().statusCode(200)
                .body(containsString("/api/conversations/{id}/messages"))
                .body(containsString("/api/agents/login"))
                .body(containsString("/api/conversations/{id}/events"));
    }

    @Test
    void theStartPageShowsTheServiceIsUp() {
        given().get("/").then().statusCode(200).body(containsString("Switchboard is running"));
    }
}
