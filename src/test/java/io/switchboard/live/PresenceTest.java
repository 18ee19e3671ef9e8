package io.switchboard.live;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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

    /**
     * #27: the widget's availability long-poll holds while nobody can answer and answers the moment an agent
     * comes online, on the presence announcement (the offline form stayed up to 30 s, the widget's poll).
     */
    @Test
    void theAvailabilityLongPollAnswersTheMomentAnAgentComesOnline() throws Exception {
        Api api = new Api(base);
        String admin = api.agentToken();
        String username = "lia" + System.nanoTime();
        given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Json.object().put("username", username).put("name", "Lia " + username).put("password", "presence-pw").toString())
                .post("/api/agents").then().statusCode(201);
        String lia = api.agentToken(username, "presence-pw");
        // Agents of other tests leave within the presence's 30 s freshness.
        await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(500)).until(() -> onlineCount() == 0);

        CompletableFuture<io.restassured.response.Response> answer = CompletableFuture.supplyAsync(
                () -> given().queryParam("wait", "25s").queryParam("online", "false").get("/api/presence"));
        assertThrows(TimeoutException.class, () -> answer.get(1, TimeUnit.SECONDS), "it holds while nobody can answer");
        given().auth().oauth2(lia).contentType(ContentType.JSON).body("{}").post("/api/presence/me").then().statusCode(200);
        // Long before the 25 s wait ends: woken by the announcement, not by its timer.
        io.restassured.response.Response woken = answer.get(15, TimeUnit.SECONDS);
        assertEquals(200, woken.statusCode());
        assertTrue(woken.jsonPath().getLong("agentsOnline") >= 1, woken.asString());

        // What the caller knows is already out of date: at once.
        given().queryParam("wait", "25s").queryParam("online", "false").get("/api/presence").then().statusCode(200)
                .body("agentsOnline", org.hamcrest.Matchers.greaterThanOrEqualTo(1));
        given().queryParam("wait", "25s").get("/api/presence").then().statusCode(400).body("error", equalTo("invalid_wait"));
        given().queryParam("wait", "soon").queryParam("online", "true").get("/api/presence").then().statusCode(400)
                .body("error", equalTo("invalid_wait"));
    }

    private static long onlineCount() {
        return given().get("/api/presence").then().statusCode(200).extract().jsonPath().getLong("agentsOnline");
    }
}
