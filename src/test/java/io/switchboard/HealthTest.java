package io.switchboard;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Chat;
import io.switchboard.support.EmbeddedPostgresResource;
import io.switchboard.support.Json;
import io.switchboard.support.Skips;
import io.switchboard.support.WsClient;

@QuarkusTest
class HealthTest {

    @TestHTTPResource("/")
    URI base;

    @TestHTTPResource(value = "/", management = true)
    URI management;

    @Test
    void readinessIsDownWhilePostgresIsUnreachableAndUpAgainWhenItIsBack() throws Exception {
        Skips.unless(EmbeddedPostgresResource.embedded(), "this outage test stops the database, and an external one (SWITCHBOARD_TEST_JDBC_URL) cannot be stopped");
        Chat chat = Chat.start(base);
        chat.send(chat.visitorToken(), "before", "before the outage");
        given().get(management.resolve("/q/health/ready")).then().statusCode(200).body("status", equalTo("UP"));

        try (WsClient subscriber = WsClient.following(base, "visitor", chat.visitorToken(), chat.id(), 0)) {
            subscriber.awaitFrame(f -> f.get("type").asText().equals("message"));
            EmbeddedPostgresResource.stopDatabase();
            try {
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                        .until(() -> given().get(management.resolve("/q/health/ready")).statusCode() == 503);
                given().get(management.resolve("/q/health/ready")).then().body("status", equalTo("DOWN"));
                given().get(management.resolve("/q/health/live")).then().statusCode(200);
                // A send during the outage gets a clear, retryable error — never a false "ok".
                HttpResponse<String> during = chat.api().send(chat.visitorToken(), chat.id(), "during", "during the outage");
                assertEquals(503, during.statusCode(), during.body());
                assertEquals("store_unavailable", Json.parse(during.body()).get("error").asText());
            } finally {
                EmbeddedPostgresResource.startDatabaseAgain();
            }
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> given().get(management.resolve("/q/health/ready")).statusCode() == 200);
            given().get(management.resolve("/q/health/ready")).then().body("status", equalTo("UP"));

            // The LISTEN connection re-subscribed: a subscriber from before the outage hears new messages,
            // and the retried send is stored exactly once.
            chat.send(chat.visitorToken(), "during", "during the outage");
            chat.send(chat.visitorToken(), "after", "after the outage");
            await().atMost(Duration.ofSeconds(20)).until(() -> subscriber.received().size() >= 3);
            assertEquals(java.util.List.of(1L, 2L, 3L), subscriber.seqs());
        }
    }
}
