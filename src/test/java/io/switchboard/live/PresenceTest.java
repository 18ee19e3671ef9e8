package io.switchboard.live;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.notNullValue;

import java.net.URI;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.switchboard.support.Api;
import io.switchboard.support.Json;
import io.switchboard.support.WsClient;

@QuarkusTest
class PresenceTest {

    @TestHTTPResource("/")
    URI base;

    private String statusOf(String admin, String name) {
        return given().auth().oauth2(admin).get("/api/agents/presence").then().statusCode(200).extract()
                .path("find { it.name == '" + name + "' }.status");
    }

    @Test
    void agentPresenceFollowsLiveConnectionsWithAGracePeriodAndIsAnnouncedToOtherAgents() {
        Api api = new Api(base);
        String admin = api.agentToken();
        String username = "presence" + System.nanoTime();
        given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Json.object().put("username", username).put("name", "Pia " + username).put("password", "presence-pw")
                        .toString())
                .post("/api/agents").then().statusCode(201);
        String name = "Pia " + username;
        String pia = api.agentToken(username, "presence-pw");
        org.junit.jupiter.api.Assertions.assertEquals("offline", statusOf(admin, name));

        try (WsClient watcher = WsClient.connect(base, "agent", admin)) {
            WsClient piaWs = WsClient.connect(base, "agent", pia);
            watcher.awaitFrame(f -> f.get("type").asText().equals("presence") && f.get("name").asText().equals(name)
                    && f.get("status").asText().equals("online"));
            await().atMost(Duration.ofSeconds(10)).until(() -> "online".equals(statusOf(admin, name)));

            piaWs.send(Json.object().put("type", "presence").put("state", "away"));
            watcher.awaitFrame(f -> f.get("type").asText().equals("presence") && f.get("name").asText().equals(name)
                    && f.get("status").asText().equals("away"));

            piaWs.send(Json.object().put("type", "presence").put("state", "online"));
            await().atMost(Duration.ofSeconds(10)).until(() -> "online".equals(statusOf(admin, name)));
            piaWs.close();
            // Not offline at once (a reload is not a departure), but after the grace period.
            org.junit.jupiter.api.Assertions.assertEquals("online", statusOf(admin, name));
            watcher.awaitFrame(f -> f.get("type").asText().equals("presence") && f.get("name").asText().equals(name)
                    && f.get("status").asText().equals("offline"));
            org.junit.jupiter.api.Assertions.assertEquals("offline", statusOf(admin, name));
        }
        given().get("/api/presence").then().statusCode(200).body("agentsOnline", notNullValue());
    }
}
