package io.switchboard.conversation;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.time.Duration;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.switchboard.support.Api;
import io.switchboard.support.Chat;
import io.switchboard.support.Json;
import io.switchboard.support.SseClient;
import io.switchboard.support.WsClient;

@QuarkusTest
class TypingAndReceiptsTest {

    @TestHTTPResource("/")
    URI base;

    @Test
    void typingIsRelayedLiveOnEveryStreamAndNeverStored() {
        Chat chat = Chat.start(base);
        String agent = chat.api().agentToken();
        try (WsClient visitorWs = WsClient.following(base, "visitor", chat.visitorToken(), chat.id(), 0);
                SseClient visitorSse = SseClient.following(base, chat.visitorToken(), chat.id(), 0);
                WsClient agentWs = WsClient.following(base, "agent", agent, chat.id(), 0)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> visitorSse.opened() == 1);
            agentWs.awaitFrame(f -> f.get("type").asText().equals("subscribed"));
            visitorWs.awaitFrame(f -> f.get("type").asText().equals("subscribed"));
            agentWs.send(Json.object().put("type", "typing").put("conversationId", chat.id()).put("state", "start"));
            JsonNode typing = visitorWs.awaitFrame(f -> f.get("type").asText().equals("typing"));
            assertEquals("agent", typing.get("author").get("kind").asText());
            assertEquals("Administrator", typing.get("author").get("name").asText());
            assertEquals("start", typing.get("state").asText());
            await().atMost(Duration.ofSeconds(10)).until(() -> visitorSse.events().stream()
                    .anyMatch(e -> e.get("event").asText().equals("typing")));

            given().auth().oauth2(chat.visitorToken()).contentType(ContentType.JSON).body("{\"state\":\"start\"}")
                    .post("/api/conversations/{id}/typing", chat.id()).then().statusCode(204);
            agentWs.awaitFrame(f -> f.get("type").asText().equals("typing")
                    && f.get("author").get("kind").asText().equals("visitor"));
            given().auth().oauth2(chat.visitorToken()).contentType(ContentType.JSON).body("{\"state\":\"dancing\"}")
                    .post("/api/conversations/{id}/typing", chat.id()).then().statusCode(400);
        }
        given().auth().oauth2(chat.visitorToken()).get("/api/conversations/{id}/messages", chat.id()).then()
                .body("size()", equalTo(0));
    }

    @Test
    void agentsSeeWhichColleagueIsViewingAConversation() {
        Api api = new Api(base);
        long conversation = api.conversation(api.newVisitor().token());
        String admin = api.agentToken();
        String username = "viewer" + System.nanoTime();
        given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Json.object().put("username", username).put("name", "Vera").put("password", "viewer-password").toString())
                .post("/api/agents").then().statusCode(201);
        try (WsClient vera = WsClient.following(base, "agent", api.agentToken(username, "viewer-password"), conversation, 0);
                WsClient alice = WsClient.connect(base, "agent", admin)) {
            vera.awaitFrame(f -> f.get("type").asText().equals("subscribed"));
            alice.send(Json.object().put("type", "resume").put("conversationId", conversation).put("after", 0));
            JsonNode viewing = vera.awaitFrame(f -> f.get("type").asText().equals("viewing"));
            assertEquals("Administrator", viewing.get("agent").get("name").asText());
            assertEquals("start", viewing.get("state").asText());
            // Vera was there first: Alice is told so, although Vera's own "start" went out before Alice came.
            JsonNode already = alice.awaitFrame(f -> f.get("type").asText().equals("viewing"));
            assertEquals("Vera", already.get("agent").get("name").asText());
            assertEquals("start", already.get("state").asText());
            alice.send(Json.object().put("type", "unsubscribe").put("conversationId", conversation));
            vera.awaitFrame(f -> f.get("type").asText().equals("viewing") && f.get("state").asText().equals("stop"));
            // Nobody is told about themselves.
            Assertions.assertTrue(alice.frames().stream()
                    .filter(f -> f.get("type").asText().equals("viewing"))
                    .allMatch(f -> f.get("agent").get("name").asText().equals("Vera")));
        }
    }

    @Test
    void visitorsAreNeverToldWhichAgentIsViewing() {
        Chat chat = Chat.start(base);
        String admin = chat.api().agentToken();
        String colleague = chat.api().newAgent(admin, "colleague" + System.nanoTime(), "Colleague", "colleague-password");
        try (WsClient visitor = WsClient.following(base, "visitor", chat.visitorToken(), chat.id(), 0);
                WsClient other = WsClient.following(base, "agent", colleague, chat.id(), 0)) {
            visitor.awaitFrame(f -> f.get("type").asText().equals("subscribed"));
            other.awaitFrame(f -> f.get("type").asText().equals("subscribed"));
            try (WsClient agent = WsClient.following(base, "agent", admin, chat.id(), 0)) {
                // Once a colleague has heard of the admin's "viewing", every local subscriber has had it offered.
                other.awaitFrame(f -> f.get("type").asText().equals("viewing") && f.get("state").asText().equals("start"));
                chat.send(admin, "after-viewing", "hello from the team");
                visitor.awaitFrame(f -> f.get("type").asText().equals("message"));
                Assertions.assertTrue(
                        visitor.frames().stream().noneMatch(f -> f.get("type").asText().equals("viewing")),
                        () -> "a visitor got a viewing frame: " + visitor.frames());
            }
        }
    }

    @Test
    void aTypingFloodIsRateLimited() {
        Chat chat = Chat.start(base);
        try (WsClient ws = WsClient.connect(base, "visitor", chat.visitorToken())) {
            for (int i = 0; i < 30; i++) {
                ws.send(Json.object().put("type", "typing").put("conversationId", chat.id()).put("state", "start"));
            }
            ws.awaitFrame(f -> f.get("type").asText().equals("error") && f.get("code").asText().equals("rate_limited"));
        }
    }

    @Test
    void readCursorsAreStoredMoveOnlyForwardAndAreAnnounced() {
        Chat chat = Chat.start(base);
        String agent = chat.api().agentToken();
        for (int i = 1; i <= 3; i++) {
            chat.send(chat.visitorToken(), "r-" + i, "message " + i);
        }
        try (WsClient visitorWs = WsClient.following(base, "visitor", chat.visitorToken(), chat.id(), 0);
                WsClient agentWs = WsClient.connect(base, "agent", agent)) {
            visitorWs.awaitFrame(f -> f.get("type").asText().equals("subscribed"));
            agentWs.send(Json.object().put("type", "read").put("conversationId", chat.id()).put("seq", 3));
            JsonNode read = visitorWs.awaitFrame(f -> f.get("type").asText().equals("read"));
            assertEquals("agent", read.get("readerKind").asText());
            assertEquals(3, read.get("seq").asLong());
            // A read that does not move the cursor (again, or backwards) is answered but announced to nobody.
            agentWs.send(Json.object().put("type", "read").put("conversationId", chat.id()).put("seq", 3));
            agentWs.send(Json.object().put("type", "read").put("conversationId", chat.id()).put("seq", 2));
            agentWs.send(Json.object().put("type", "ping").put("ref", "after-reads")); // frames are handled in order
            agentWs.awaitFrame(f -> "after-reads".equals(f.path("ref").asText(null)));
            given().auth().oauth2(chat.visitorToken()).contentType(ContentType.JSON).body("{\"seq\":1}")
                    .post("/api/conversations/{id}/read", chat.id()).then().statusCode(200);
            visitorWs.awaitFrame(f -> f.get("type").asText().equals("read") && f.get("readerKind").asText().equals("visitor"));
            assertEquals(1, visitorWs.frames().stream()
                    .filter(f -> f.get("type").asText().equals("read") && f.get("readerKind").asText().equals("agent")).count(),
                    "the agent's cursor moved once");
        }
        // Backwards is ignored, beyond the last message is refused.
        given().auth().oauth2(agent).contentType(ContentType.JSON).body("{\"seq\":1}")
                .post("/api/conversations/{id}/read", chat.id()).then().statusCode(200).body("seq", equalTo(3));
        given().auth().oauth2(agent).contentType(ContentType.JSON).body("{\"seq\":99}")
                .post("/api/conversations/{id}/read", chat.id()).then().statusCode(400)
                .body("error", equalTo("invalid_cursor"));
        given().auth().oauth2(chat.visitorToken()).contentType(ContentType.JSON).body("{\"seq\":2}")
                .post("/api/conversations/{id}/read", chat.id()).then().statusCode(200);
        given().auth().oauth2(chat.visitorToken()).get("/api/conversations/{id}/reads", chat.id()).then().statusCode(200)
                .body("size()", equalTo(2)).body("find { it.readerKind == 'agent' }.seq", equalTo(3))
                .body("find { it.readerKind == 'visitor' }.seq", equalTo(2));
        given().auth().oauth2(chat.api().newVisitor().token()).get("/api/conversations/{id}/reads", chat.id()).then()
                .statusCode(404);
    }
}
