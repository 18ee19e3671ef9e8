package io.switchboard.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Locale;
import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.switchboard.support.Api;
import io.switchboard.support.Chat;
import io.switchboard.support.Json;
import io.switchboard.support.RawWebSocket;
import io.switchboard.support.WsClient;
import jakarta.inject.Inject;

/**
 * The wire contract a client author relies on, the same on every transport: strict cursors, strict JSON
 * types, an error body on every error, limits that admit every valid message in any valid JSON encoding,
 * one timestamp format, and nothing private cached.
 */
@QuarkusTest
class WireContractTest {

    /** 4000 characters (the limit) of an emoji, each written as an escaped surrogate pair: 48,000 bytes. */
    private static final String ESCAPED_MAX_TEXT = "\\uD83D\\uDE00".repeat(4000);

    @TestHTTPResource("/")
    URI base;

    @Inject
    DataSource dataSource;

    @Test
    void aCursorIsDigitsOrAbsentNeverEmptyBlankOrSigned() {
        Chat chat = Chat.start(base);
        for (String after : new String[] { "", "%20", "+5", "%2B5", "5%20", "1e3", "99999999999999999999" }) {
            given().urlEncodingEnabled(false).auth().oauth2(chat.visitorToken())
                    .get("/api/conversations/" + chat.id() + "/messages?after=" + after)
                    .then().statusCode(400).body("error", equalTo("invalid_cursor"));
            given().urlEncodingEnabled(false).auth().oauth2(chat.visitorToken())
                    .get("/api/conversations/" + chat.id() + "/events?after=" + after)
                    .then().statusCode(400).body("error", equalTo("invalid_cursor"));
            given().urlEncodingEnabled(false).auth().oauth2(chat.visitorToken())
                    .get("/api/conversations/" + chat.id() + "/iframe-stream?after=" + after)
                    .then().statusCode(400).body("error", equalTo("invalid_cursor"));
        }
        given().auth().oauth2(chat.visitorToken()).get("/api/conversations/{id}/messages?after=0", chat.id())
                .then().statusCode(200);
        given().auth().oauth2(chat.visitorToken()).get("/api/conversations/{id}/messages", chat.id())
                .then().statusCode(200);
    }

    @Test
    void aBodyOfTheWrongShapeGetsAnErrorBodyNamingTheField() {
        Chat chat = Chat.start(base);
        String[][] cases = { { "[1,2]", "the request body must be a JSON object" }, { "\"hello\"", "the request body must be a JSON object" },
                { "{\"text\":{\"a\":1}}", "text must be a string" }, { "{\"text\":123}", "text must be a string" },
                { "{\"text\":true}", "text must be a string" }, { "{\"text\":\"hi\",\"clientMsgId\":42}", "clientMsgId must be a string" } };
        for (String[] c : cases) {
            given().auth().oauth2(chat.visitorToken()).contentType(ContentType.JSON).body(c[0])
                    .post("/api/conversations/{id}/messages", chat.id())
                    .then().statusCode(400).body("error", equalTo("malformed_json")).body("message", equalTo(c[1]));
        }
        // Nothing was coerced into a stored message.
        given().auth().oauth2(chat.visitorToken()).get("/api/conversations/{id}/messages", chat.id())
                .then().statusCode(200).body("size()", equalTo(0));
    }

    @Test
    void theLongestValidMessageFitsInAnyValidJsonEncodingOnRestAndWebSocket() throws Exception {
        Chat chat = Chat.start(base);
        String body = "{\"clientMsgId\":\"longest-rest\",\"text\":\"" + ESCAPED_MAX_TEXT + "\"}";
        assertTrue(body.length() > 48_000);
        given().auth().oauth2(chat.visitorToken()).contentType(ContentType.JSON).body(body)
                .post("/api/conversations/{id}/messages", chat.id()).then().statusCode(201).body("message.seq", equalTo(1));
        try (WsClient ws = WsClient.connect(base, "visitor", chat.visitorToken())) {
            ws.sendRaw("{\"type\":\"send\",\"ref\":\"l\",\"conversationId\":" + chat.id()
                    + ",\"clientMsgId\":\"longest-ws\",\"text\":\"" + ESCAPED_MAX_TEXT + "\"}");
            JsonNode ack = ws.awaitFrame(f -> "l".equals(f.path("ref").asText(null)));
            assertEquals("ack", ack.get("type").asText(), ack::toString);
            assertEquals(2, ack.get("seq").asLong());
        }
        JsonNode stored = Json.parse(given().auth().oauth2(chat.visitorToken())
                .get("/api/conversations/{id}/messages", chat.id()).then().statusCode(200).extract().asString());
        assertEquals("😀".repeat(4000), stored.get(1).get("text").asText());
    }

    @Test
    void aBodyOverTheLimitIsA413WithAnErrorBody() throws Exception {
        Chat chat = Chat.start(base);
        String huge = "{\"text\":\"" + "x".repeat(70_000) + "\"}";
        given().auth().oauth2(chat.visitorToken()).contentType(ContentType.JSON).body(huge)
                .post("/api/conversations/{id}/messages", chat.id())
                .then().statusCode(413).body("error", equalTo("payload_too_large")).body("message", not(emptyOrNullString()));
        // Chunked (no Content-Length), unauthenticated, to the endpoints anyone can reach: the same 413 with the
        // error body (Quarkus' own reader answered an empty one); nothing is logged as an error.
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (String path : new String[] { "api/agents/login", "api/visitors" }) {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(huge.getBytes(StandardCharsets.UTF_8))))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(413, answer.statusCode(), path);
            assertEquals("payload_too_large", Json.parse(answer.body()).path("error").asText(), path + ": " + answer.body());
        }
        // A chunked body within the limit still reaches the endpoint.
        String small = "{\"username\":\"admin\",\"password\":\"" + Api.ADMIN_PASSWORD + "\"}";
        HttpResponse<String> login = http.send(HttpRequest.newBuilder(base.resolve("api/agents/login"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(small.getBytes(StandardCharsets.UTF_8))))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, login.statusCode(), login.body());
        given().contentType(ContentType.JSON).body("{\"username\":\"admin\",\"password\":\"" + Api.ADMIN_PASSWORD + "\"}")
                .post("/api/agents/login").then().statusCode(200);
    }

    @Test
    void aWebSocketMessageOverTheLimitIsClosedWith1009() throws Exception {
        Chat chat = Chat.start(base);
        try (Socket raw = new Socket(base.getHost(), base.getPort())) {
            raw.setSoTimeout(20_000);
            RawWebSocket.handshake(raw, chat.visitorToken());
            RawWebSocket.text(raw, "{\"type\":\"ping\",\"pad\":\"" + "x".repeat(70_000) + "\"}");
            assertEquals(1009, RawWebSocket.readUntilClose(raw));
        }
    }

    @Test
    void aBinaryFrameIsAnsweredWithAnErrorAndTheConnectionGoesOn() throws Exception {
        Chat chat = Chat.start(base);
        try (Socket raw = new Socket(base.getHost(), base.getPort())) {
            raw.setSoTimeout(20_000);
            RawWebSocket.handshake(raw, chat.visitorToken());
            assertTrue(RawWebSocket.readText(raw).contains("\"hello\""));
            RawWebSocket.frame(raw, 0x2, new byte[] { 1, 2, 3 });
            String error = RawWebSocket.readText(raw);
            assertEquals("binary_not_supported", Json.parse(error).get("code").asText(), error);
            RawWebSocket.text(raw, "{\"type\":\"ping\",\"ref\":\"after-binary\"}");
            assertTrue(RawWebSocket.readText(raw).contains("after-binary"));
        }
    }

    @Test
    void noCompressionExtensionIsEverNegotiated() throws Exception {
        Chat chat = Chat.start(base);
        for (String offer : new String[] { "permessage-deflate; client_max_window_bits", "x-webkit-deflate-frame", "deflate-frame" }) {
            try (Socket raw = new Socket(base.getHost(), base.getPort())) {
                raw.setSoTimeout(20_000);
                String head = RawWebSocket.handshake(raw, chat.visitorToken(), "Sec-WebSocket-Extensions: " + offer + "\r\n");
                assertFalse(head.toLowerCase(Locale.ROOT).contains("sec-websocket-extensions"),
                        "accepted " + offer + ": " + head);
            }
        }
    }

    @Test
    void aWronglyTypedFieldInAFrameEchoesTheRef() {
        Chat chat = Chat.start(base);
        try (WsClient ws = WsClient.connect(base, "visitor", chat.visitorToken())) {
            ws.sendRaw("{\"type\":\"send\",\"ref\":\"typed-1\",\"conversationId\":" + chat.id() + ",\"text\":123}");
            JsonNode error = ws.awaitFrame(f -> f.get("type").asText().equals("error"));
            assertEquals("typed-1", error.path("ref").asText(null), error::toString);
            assertEquals("malformed_frame", error.get("code").asText());
            ws.sendRaw("{\"type\":\"send\",\"ref\":7,\"conversationId\":" + chat.id() + ",\"clientMsgId\":[1]}");
            JsonNode second = ws.awaitFrame(f -> f.get("type").asText().equals("error") && "7".equals(f.path("ref").asText(null)));
            assertEquals("malformed_frame", second.get("code").asText());
        }
    }

    @Test
    void timestampsAlwaysHaveSixFractionalDigits() throws Exception {
        Chat chat = Chat.start(base);
        chat.send(chat.visitorToken(), "ts-1", "one");
        chat.send(chat.visitorToken(), "ts-2", "two");
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            // Whole milliseconds and whole seconds are where a trimming formatter writes 3 or 0 digits.
            s.executeUpdate("update message set created_at = timestamptz '2026-11-29 10:00:00.120+00' where conversation_id = "
                    + chat.id() + " and seq = 1");
            s.executeUpdate("update message set created_at = timestamptz '2026-11-29 10:00:01+00' where conversation_id = "
                    + chat.id() + " and seq = 2");
        }
        given().auth().oauth2(chat.visitorToken()).get("/api/conversations/{id}/messages", chat.id()).then().statusCode(200)
                .body("[0].sentAt", equalTo("2026-11-29T10:00:00.120000Z"))
                .body("[1].sentAt", equalTo("2026-11-29T10:00:01.000000Z"));
        try (WsClient ws = WsClient.following(base, "visitor", chat.visitorToken(), chat.id(), 0)) {
            JsonNode first = ws.awaitFrame(f -> f.get("type").asText().equals("message"));
            assertEquals("2026-11-29T10:00:00.120000Z", first.get("message").get("sentAt").asText());
        }
        String pattern = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z";
        given().auth().oauth2(chat.visitorToken()).get("/api/conversations/{id}", chat.id()).then().statusCode(200)
                .body("createdAt", matchesPattern(pattern)).body("updatedAt", matchesPattern(pattern));
    }

    @Test
    void privateAnswersAreNeverCached() {
        Chat chat = Chat.start(base);
        given().auth().oauth2(chat.visitorToken()).get("/api/conversations/{id}/messages", chat.id())
                .then().statusCode(200).header("Cache-Control", "no-store");
        given().auth().oauth2(chat.visitorToken()).get("/api/visitors/me").then().statusCode(200).header("Cache-Control", "no-store");
        given().contentType(ContentType.JSON).body("{\"username\":\"admin\",\"password\":\"" + Api.ADMIN_PASSWORD + "\"}")
                .post("/api/agents/login").then().statusCode(200).header("Cache-Control", "no-store");
        given().post("/api/visitors").then().statusCode(201).header("Cache-Control", "no-store");
        given().auth().oauth2(chat.visitorToken()).get("/api/conversations/{id}/messages?after=x", chat.id())
                .then().statusCode(400).header("Cache-Control", "no-store");
    }

    @Test
    void visitorNamesRefuseInvisibleFormattingButKeepRealNames() {
        for (String name : new String[] { "abc\u202Egnp.exe", "Ali\u200Bce", "\u2066Bob\u2069", "\uFEFFEve", "\u200DZed" }) {
            given().contentType(ContentType.JSON).body(Json.object().put("name", name).toString()).post("/api/visitors")
                    .then().statusCode(400).body("error", equalTo("invalid_name"));
        }
        for (String name : new String[] { "می\u200Cخواهم", "👨\u200D👩\u200D👧", "李小龙", "José Álvarez" }) {
            given().contentType(ContentType.JSON).body(Json.object().put("name", name).toString()).post("/api/visitors")
                    .then().statusCode(201);
        }
    }
}
