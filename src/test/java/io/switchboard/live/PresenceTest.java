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

    /**
     * An agent on long-poll or poll holds no connection: its "here" over REST makes it present (announced to
     * the others) and sets online/away; the count the widget reads follows. (Such agents counted as offline
     * and their Online/Away choice did nothing; #14, defect 3.)
     */
    @Test
    void anAgentWithoutALiveConnectionIsPresentByRestAndSetsItsAvailabilityThere() {
        Api api = new Api(base);
        String admin = api.agentToken();
        String username = "rest" + System.nanoTime();
        String name = "Rhea " + username;
        given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Json.object().put("username", username).put("name", name).put("password", "presence-pw").toString())
                .post("/api/agents").then().statusCode(201);
        String rhea = api.agentToken(username, "presence-pw");
        org.junit.jupiter.api.Assertions.assertEquals("offline", statusOf(admin, name));

        try (WsClient watcher = WsClient.connect(base, "agent", admin)) {
            given().auth().oauth2(rhea).contentType(ContentType.JSON).body("{}").post("/api/presence/me")
                    .then().statusCode(200).body("status", org.hamcrest.Matchers.equalTo("online"));
            watcher.awaitFrame(f -> f.get("type").asText().equals("presence") && f.get("name").asText().equals(name)
                    && f.get("status").asText().equals("online"));
            org.junit.jupiter.api.Assertions.assertEquals("online", statusOf(admin, name));
            org.junit.jupiter.api.Assertions.assertTrue(onlineCount() >= 1, "the widget's count includes her");

            given().auth().oauth2(rhea).contentType(ContentType.JSON).body("{\"state\":\"away\"}").post("/api/presence/me")
                    .then().statusCode(200).body("status", org.hamcrest.Matchers.equalTo("away"));
            watcher.awaitFrame(f -> f.get("type").asText().equals("presence") && f.get("name").asText().equals(name)
                    && f.get("status").asText().equals("away"));
            org.junit.jupiter.api.Assertions.assertEquals("away", statusOf(admin, name));
            given().auth().oauth2(rhea).contentType(ContentType.JSON).body("{\"state\":\"online\"}").post("/api/presence/me")
                    .then().statusCode(200).body("status", org.hamcrest.Matchers.equalTo("online"));
        }
        given().auth().oauth2(rhea).contentType(ContentType.JSON).body("{\"state\":\"asleep\"}").post("/api/presence/me")
                .then().statusCode(400).body("error", org.hamcrest.Matchers.equalTo("invalid_state"));
        String visitor = api.newVisitor().token();
        given().auth().oauth2(visitor).contentType(ContentType.JSON).body("{}").post("/api/presence/me").then().statusCode(403);
        given().contentType(ContentType.JSON).body("{}").post("/api/presence/me").then().statusCode(401);
    }

    private static long onlineCount() {
        return given().get("/api/presence").then().statusCode(200).extract().jsonPath().getLong("agentsOnline");
    }
}
