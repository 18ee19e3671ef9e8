package io.switchboard.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.switchboard.support.Api;
import io.switchboard.support.Json;
import io.switchboard.support.WsClient;

/** A visitor can reach only its own conversations, on every transport; agents write per role. */
@QuarkusTest
class AuthorizationTest {

    @TestHTTPResource("/")
    URI base;

    Api api;
    Api.Visitor owner;
    Api.Visitor intruder;
    long conversation;

    @BeforeEach
    void setUp() {
        api = new Api(base);
        owner = api.newVisitor();
        intruder = api.newVisitor();
        conversation = api.conversation(owner.token());
        api.sendOk(owner.token(), conversation, "secret", "my address is 1 Main St");
    }

    @Test
    void rest() {
        given().auth().oauth2(intruder.token()).get("/api/conversations/{id}", conversation).then().statusCode(404);
        given().auth().oauth2(intruder.token()).get("/api/conversations/{id}/messages?before=100", conversation)
                .then().statusCode(404);
        given().auth().oauth2(intruder.token()).contentType(ContentType.JSON).body("{\"text\":\"hi\"}")
                .post("/api/conversations/{id}/messages", conversation).then().statusCode(404);
        given().auth().oauth2(intruder.token()).get("/api/conversations").then().statusCode(200).body("total", equalTo(0));
    }

    @Test
    void webSocket() {
        try (WsClient ws = WsClient.connect(base, "visitor", intruder.token())) {
            ws.send(Json.object().put("type", "resume").put("ref", "r").put("conversationId", conversation).put("after", 0));
            ws.send(Json.object().put("type", "send").put("ref", "s").put("conversationId", conversation).put("text", "x"));
            ws.awaitFrame(f -> "s".equals(f.path("ref").asText(null)) && f.get("type").asText().equals("error"));
            assertEquals("conversation_not_found", ws.awaitFrame(f -> "r".equals(f.path("ref").asText(null))).get("code").asText());
            assertTrue(ws.received().isEmpty());
        }
    }

    @Test
    void sse() {
        given().auth().oauth2(intruder.token()).get("/api/conversations/{id}/events?after=0", conversation)
                .then().statusCode(404).body("error", equalTo("conversation_not_found"));
    }

    @Test
    void longPoll() {
        given().auth().oauth2(intruder.token()).get("/api/conversations/{id}/messages?after=0&wait=5s", conversation)
                .then().statusCode(404);
    }

    @Test
    void iframeStream() {
        given().auth().oauth2(intruder.token()).get("/api/conversations/{id}/iframe-stream?after=0", conversation)
                .then().statusCode(404);
    }

    @Test
    void shortPoll() {
        given().auth().oauth2(intruder.token()).get("/api/conversations/{id}/messages?after=0", conversation)
                .then().statusCode(404);
    }

    @Test
    void anAgentCannotWriteIntoAColleaguesConversationButAnAdminCan() {
        String admin = api.agentToken();
        String username = "colleague" + System.nanoTime();
        given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Json.object().put("username", username).put("password", "colleague-password").toString())
                .post("/api/agents").then().statusCode(201);
        String colleague = api.agentToken(username, "colleague-password");
        String other = "other" + System.nanoTime();
        given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Json.object().put("username", other).put("password", "other-password").toString())
                .post("/api/agents").then().statusCode(201);
        String otherAgent = api.agentToken(other, "other-password");

        // The colleague claims it by replying; the other agent may read but not write or take it over.
        assertEquals(201, api.send(colleague, conversation, "c-" + conversation, "I'm on it").statusCode());
        assertEquals(200, api.get(otherAgent, "/api/conversations/" + conversation + "/messages").statusCode());
        HttpResponse<String> refused = api.send(otherAgent, conversation, "o-" + conversation, "me too");
        assertEquals(403, refused.statusCode());
        assertEquals("assigned_to_another_agent", Json.parse(refused.body()).get("error").asText());
        given().auth().oauth2(otherAgent).contentType(ContentType.JSON).body("{\"agentId\": null}")
                .post("/api/conversations/{id}/assign", conversation).then().statusCode(403);
        // An admin can.
        assertEquals(201, api.send(admin, conversation, "adm-" + conversation, "admin here").statusCode());
    }
}
