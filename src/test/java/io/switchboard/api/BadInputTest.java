package io.switchboard.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.switchboard.support.Api;
import io.switchboard.support.FromAddress;
import io.switchboard.support.Json;
import io.switchboard.support.TestLogs;
import io.switchboard.support.WsClient;
import jakarta.inject.Inject;

@QuarkusTest
class BadInputTest {

    @TestHTTPResource("/")
    URI base;

    @Inject
    DataSource dataSource;

    Api api;
    Api.Visitor visitor;
    long conversation;

    @BeforeEach
    void setUp() {
        api = new Api(base);
        visitor = api.newVisitor();
        conversation = api.conversation(visitor.token());
    }

    private JsonNode errorFor(WsClient ws, String ref) {
        return ws.awaitFrame(f -> f.get("type").asText().equals("error") && ref.equals(f.path("ref").asText(null)));
    }

    @Test
    void aMalformedFrameGetsAnErrorFrameAndTheConnectionStaysUsable() {
        try (WsClient ws = WsClient.connect(base, "visitor", visitor.token())) {
            ws.sendRaw("{this is not json");
            JsonNode error = ws.awaitFrame(f -> f.get("type").asText().equals("error"));
            assertEquals("malformed_frame", error.get("code").asText());
            ws.sendRaw("[1,2,3]");
            ws.sendRaw("{\"type\": 42}");
            ws.send(Json.object().put("type", "ping").put("ref", "still-alive"));
            assertEquals("pong", ws.awaitFrame(f -> "still-alive".equals(f.path("ref").asText(null))).get("type").asText());
            JsonNode ack = ws.sendMessage(conversation, "after-garbage", "still works");
            assertEquals("ack", ack.get("type").asText());
            assertTrue(ws.isOpen());
        }
    }

    @Test
    void anUnknownFrameTypeIsAnError() {
        try (WsClient ws = WsClient.connect(base, "visitor", visitor.token())) {
            ws.send(Json.object().put("type", "teleport").put("ref", "t1"));
            assertEquals("unknown_type", errorFor(ws, "t1").get("code").asText());
        }
    }

    @Test
    void badFieldsInFramesAreErrors() {
        try (WsClient ws = WsClient.connect(base, "visitor", visitor.token())) {
            ws.send(Json.object().put("type", "resume").put("ref", "c1").put("conversationId", conversation).put("after", -1));
            assertEquals("invalid_cursor", errorFor(ws, "c1").get("code").asText());
            ws.send(Json.object().put("type", "resume").put("ref", "c2").put("conversationId", "abc"));
            assertEquals("invalid_conversation_id", errorFor(ws, "c2").get("code").asText());
            ws.send(Json.object().put("type", "send").put("ref", "c3").put("conversationId", conversation).put("text", ""));
            assertEquals("empty_text", errorFor(ws, "c3").get("code").asText());
            ws.send(Json.object().put("type", "send").put("ref", "c4").put("conversationId", conversation)
                    .put("text", "x".repeat(4001)));
            assertEquals("text_too_long", errorFor(ws, "c4").get("code").asText());
        }
    }

    @Test
    void textOverTheLimitAndEmptyTextAreRefusedOverRest() throws Exception {
        given().auth().oauth2(visitor.token()).contentType(ContentType.JSON)
                .body(Json.object().put("text", "é".repeat(4001)).toString())
                .post("/api/conversations/{id}/messages", conversation)
                .then().statusCode(400).body("error", equalTo("text_too_long"));
        given().auth().oauth2(visitor.token()).contentType(ContentType.JSON)
                .body(Json.object().put("text", "   ").toString())
                .post("/api/conversations/{id}/messages", conversation)
                .then().statusCode(400).body("error", equalTo("empty_text"));
        given().auth().oauth2(visitor.token()).contentType(ContentType.JSON).body("{\"text\":\"nul \\u0000 byte\"}")
                .post("/api/conversations/{id}/messages", conversation)
                .then().statusCode(400).body("error", equalTo("invalid_text"));
        given().auth().oauth2(visitor.token()).contentType(ContentType.JSON).body("{\"text\": ")
                .post("/api/conversations/{id}/messages", conversation)
                .then().statusCode(400).body("error", equalTo("malformed_json"));
        // Exactly at the limit, counted in characters (code points), is fine.
        given().auth().oauth2(visitor.token()).contentType(ContentType.JSON)
                .body(Json.object().put("text", "😀".repeat(4000)).toString())
                .post("/api/conversations/{id}/messages", conversation)
                .then().statusCode(201).body("message.seq", equalTo(1));
        assertEquals(1, count("select count(*) from message where conversation_id = " + conversation));
        assertEquals(1, count("select last_seq from conversation where id = " + conversation));
    }

    @Test
    void unknownAndForeignConversationsAreNotFoundForVisitors() {
        Api.Visitor other = api.newVisitor();
        long foreign = api.conversation(other.token());
        for (String path : new String[] { "/api/conversations/" + foreign, "/api/conversations/" + foreign + "/messages",
                "/api/conversations/999999999/messages?after=0", "/api/conversations/abc/messages" }) {
            given().auth().oauth2(visitor.token()).get(path).then().statusCode(404)
                    .body("error", equalTo("conversation_not_found"));
        }
        given().auth().oauth2(visitor.token()).contentType(ContentType.JSON)
                .body(Json.object().put("text", "intrusion").toString())
                .post("/api/conversations/{id}/messages", foreign)
                .then().statusCode(404).body("error", equalTo("conversation_not_found"));
        given().auth().oauth2(visitor.token()).get("/api/conversations/{id}/events", foreign).then().statusCode(404);
        given().auth().oauth2(visitor.token()).get("/api/conversations/{id}/iframe-stream", foreign).then().statusCode(404);
        try (WsClient ws = WsClient.connect(base, "visitor", visitor.token())) {
            ws.send(Json.object().put("type", "resume").put("ref", "f1").put("conversationId", foreign));
            assertEquals("conversation_not_found", errorFor(ws, "f1").get("code").asText());
            ws.send(Json.object().put("type", "send").put("ref", "f2").put("conversationId", foreign).put("text", "hi"));
            assertEquals("conversation_not_found", errorFor(ws, "f2").get("code").asText());
        }
        given().auth().oauth2(api.agentToken()).get("/api/conversations/999999999").then().statusCode(404);
    }

    @Test
    void nonNumericOrNegativeCursorsAreBadRequests() {
        for (String query : new String[] { "after=abc", "after=-1", "before=x", "after=1.5", "after=1&before=2",
                "after=0&wait=soon", "limit=0" }) {
            given().auth().oauth2(visitor.token()).get("/api/conversations/{id}/messages?" + query, conversation)
                    .then().statusCode(400);
        }
        given().auth().oauth2(visitor.token()).get("/api/conversations/{id}/events?after=-5", conversation)
                .then().statusCode(400).body("error", equalTo("invalid_cursor"));
        given().auth().oauth2(visitor.token()).header("Last-Event-ID", "yesterday")
                .get("/api/conversations/{id}/events", conversation)
                .then().statusCode(400).body("error", equalTo("invalid_cursor"));
        given().auth().oauth2(visitor.token()).get("/api/conversations/{id}/iframe-stream?after=zz", conversation)
                .then().statusCode(400);
        given().auth().oauth2(visitor.token()).get("/api/conversations/{id}/iframe-stream?callback=alert(1)", conversation)
                .then().statusCode(400).body("error", equalTo("invalid_callback"));
    }

    /** #27, from an outside client: what the catalogue promises, on the messages endpoint too. */
    @Test
    void theMessagesEndpointAnswersAsTheCatalogueSays() {
        String messages = "/api/conversations/" + conversation + "/messages";
        for (String method : List.of("DELETE", "PUT", "PATCH")) {
            HttpResponse<String> answer = api.request(method, messages, visitor.token(), method.equals("DELETE") ? null : "{}");
            assertEquals(405, answer.statusCode(), method + ": " + answer.body());
            assertEquals("method_not_allowed", Json.parse(answer.body()).get("error").asText(), method);
            assertTrue(answer.headers().firstValue("Allow").orElse("").contains("POST"), method + ": Allow names what is");
        }
        HttpResponse<String> waitAlone = api.get(visitor.token(), messages + "?wait=1s");
        assertEquals(400, waitAlone.statusCode(), waitAlone.body());
        assertEquals("invalid_wait", Json.parse(waitAlone.body()).get("error").asText());
        // A request line the HTTP layer cannot decode (a broken percent-escape) never reaches the service: Netty's
        // decoder refuses it, and Vert.x answers 400 without a body and closes (documented; Quarkus offers no
        // hook for that answer). Raw requests: no client sends these.
        for (String escape : List.of("?after=%zz", "?after=%", "?before=%G1")) {
            FromAddress.Answer broken = FromAddress.request(base, "127.0.0.1", "GET",
                    messages + escape, Map.of("Authorization", "Bearer " + visitor.token()), null);
            assertEquals(400, broken.status(), escape + ": " + broken.body());
        }
    }

    /**
     * #27: a NUL character (PostgreSQL's text cannot hold one) in a query parameter, anywhere, is a 400 with the
     * catalogue's body, logged without a stack trace. (They were 500s with a stack trace at ERROR, unauthenticated
     * on the unsubscribe link.)
     */
    @Test
    void aNulCharacterInAParameterIsABadRequestNotAnError() {
        int mark = TestLogs.mark();
        String agent = api.agentToken();
        for (String method : List.of("GET", "POST")) {
            HttpResponse<String> unsubscribe = api.request(method, "/api/email/unsubscribe?v=1&t=%00", null, null);
            assertEquals(400, unsubscribe.statusCode(), method + " unsubscribe: " + unsubscribe.body());
            assertEquals("bad_request", Json.parse(unsubscribe.body()).get("error").asText());
        }
        HttpResponse<String> search = api.get(agent, "/api/conversations/search?q=lamp%00shade");
        assertEquals(400, search.statusCode(), search.body());
        assertEquals("bad_request", Json.parse(search.body()).get("error").asText());
        assertTrue(Json.parse(search.body()).get("message").asText().contains("q"), "the message names the parameter");
        HttpResponse<String> list = api.get(agent, "/api/conversations?label=vip%00");
        assertEquals(400, list.statusCode(), list.body());
        TestLogs.assertNoErrorSince(mark, "a NUL in a parameter");
    }

    @Test
    void missingOrInvalidTokensAre401AndRefuseTheHandshake() {
        given().get("/api/conversations/{id}/messages", conversation).then().statusCode(401)
                .body("error", equalTo("unauthorized"));
        given().auth().oauth2("v_" + "A".repeat(43)).get("/api/conversations/{id}/messages", conversation)
                .then().statusCode(401);
        given().auth().oauth2("garbage").get("/api/conversations/{id}/events", conversation).then().statusCode(401);
        given().get("/api/conversations/{id}/iframe-stream", conversation).then().statusCode(401);
        given().contentType(ContentType.JSON).body("{\"text\":\"hi\"}")
                .post("/api/conversations/{id}/messages", conversation).then().statusCode(401);
        assertEquals(401, WsClient.refusal(base, "visitor", null));
        assertEquals(401, WsClient.refusal(base, "visitor", "v_" + "B".repeat(43)));
        // A visitor token does not open the agent endpoint.
        assertEquals(403, WsClient.refusal(base, "agent", visitor.token()));
        given().contentType(ContentType.JSON).body("{\"username\":\"admin\",\"password\":\"wrong-password\"}")
                .post("/api/agents/login").then().statusCode(401).body("error", equalTo("invalid_credentials"));
    }

    @Test
    void aVisitorCookieWorksLikeABearerToken() {
        given().cookie("sb_visitor", visitor.token()).get("/api/conversations/{id}/messages?after=0", conversation)
                .then().statusCode(200);
    }

    private long count(String sql) throws Exception {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql);
                ResultSet r = s.executeQuery()) {
            r.next();
            return r.getLong(1);
        }
    }
}
