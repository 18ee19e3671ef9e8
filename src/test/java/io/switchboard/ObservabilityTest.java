package io.switchboard;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Chat;
import io.switchboard.support.WsClient;

@QuarkusTest
class ObservabilityTest {

    @TestHTTPResource("/")
    URI base;

    @TestHTTPResource(value = "/", management = true)
    URI management;

    @Test
    void metricsExposeConnectionsPerTransportPersistedMessagesLatencyAndFanOut() {
        Chat chat = Chat.start(base);
        try (WsClient ws = WsClient.following(base, "visitor", chat.visitorToken(), chat.id(), 0)) {
            chat.send(chat.visitorToken(), "metric-1", "count me");
            ws.awaitFrame(f -> f.get("type").asText().equals("message"));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().get(management.resolve("/q/metrics")).then().statusCode(200)
                    .body(containsString("switchboard_connections{transport=\"websocket\"}"))
                    .body(containsString("switchboard_connections{transport=\"longpoll\"}"))
                    .body(containsString("switchboard_messages_persisted_total"))
                    .body(containsString("switchboard_delivery_latency_seconds_count{transport=\"websocket\"}"))
                    // histogram buckets, which add up across replicas (a quantile would not)
                    .body(containsString("switchboard_delivery_latency_seconds_bucket{transport=\"websocket\",le=\"0.1\"}"))
                    .body(containsString("switchboard_messages_batch_size_bucket{le=\"10.0\"}"))
                    .body(containsString("switchboard_fanout_events_total")));
        }
    }

    /** Both connection pools are measured: what the connection budget (README, Deploy) is sized and watched by. */
    @Test
    void metricsExposeBothConnectionPools() {
        Chat chat = Chat.start(base);
        chat.send(chat.visitorToken(), "pool-1", "use both pools");
        given().get(management.resolve("/q/metrics")).then().statusCode(200)
                // JDBC (Agroal): in use, idle, callers waiting for a connection
                .body(containsString("agroal_active_count{datasource=\"default\"}"))
                .body(containsString("agroal_available_count{datasource=\"default\"}"))
                .body(containsString("agroal_awaiting_count{datasource=\"default\"}"))
                // reactive (Vert.x SQL pool): in use, and how long requests waited in its queue
                .body(containsString("sql_pool_active{pool_name=\"__vertx.DEFAULT\",pool_type=\"sql\"}"))
                .body(containsString("sql_pool_queue_delay_seconds_count{pool_name=\"__vertx.DEFAULT\",pool_type=\"sql\"}"));
    }

    /** Health and metrics answer on the management port only: the public port (the ingress's) has neither. */
    @Test
    void healthAndMetricsAnswerOnTheManagementPortOnly() {
        for (String path : List.of("q/health/ready", "q/health/live", "q/health/started", "q/metrics")) {
            given().get(base + path).then().statusCode(404);
            given().get(management.resolve("/" + path)).then().statusCode(200);
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
