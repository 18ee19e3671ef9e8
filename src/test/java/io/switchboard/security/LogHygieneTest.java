package io.switchboard.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Api;
import io.switchboard.support.Chat;
import io.switchboard.support.Json;
import io.switchboard.support.WsClient;

/**
 * Greps the suite's captured log (target/test-logs/quarkus.log, everything logged by every test so far
 * plus this test's own traffic) for message text, tokens and passwords.
 */
@QuarkusTest
class LogHygieneTest {

    private static final Pattern TOKEN = Pattern.compile("\\b[va]_[A-Za-z0-9_-]{43}\\b");

    @TestHTTPResource("/")
    URI base;

    @Test
    void theLogsContainNoMessageTextNoTokenAndNoPassword() throws Exception {
        Chat chat = Chat.start(base);
        String agent = chat.api().agentToken();
        String secretText = "confidential-" + System.nanoTime();
        String unknownToken = "v_" + "Q".repeat(43);
        String wrongPassword = "wrong-password-" + System.nanoTime();

        chat.send(chat.visitorToken(), "log-1", secretText);
        assertEquals(401, chat.api().get(unknownToken, "/api/conversations/" + chat.id()).statusCode());
        assertEquals(401, chat.api().get(null, "/api/conversations/" + chat.id() + "/events?access_token=" + unknownToken)
                .statusCode());
        assertEquals(401, chat.api().request("POST", "/api/agents/login", null,
                "{\"username\":\"admin\",\"password\":\"" + wrongPassword + "\"}").statusCode());
        try (WsClient ws = WsClient.connect(base, "visitor", chat.visitorToken())) {
            ws.sendRaw("{\"type\":\"send\",\"text\":\"" + secretText + "-frame\" oops");
            ws.send(Json.object().put("type", "send").put("conversationId", chat.id()).put("ref", "long")
                    .put("text", secretText + "x".repeat(5000)));
            ws.awaitFrame(f -> "long".equals(f.path("ref").asText(null)));
        }
        chat.send(agent, "log-2-" + chat.id(), secretText + "-reply");
        // An oversize chunked body to an endpoint anyone can reach: answered 413, never an ERROR with a stack
        // trace (each one logged ~11 KB, a cheap way to flood the log).
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        byte[] huge = ("{\"name\":\"" + "x".repeat(70_000) + "\"}").getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 3; i++) {
            assertEquals(413, http.send(HttpRequest.newBuilder(base.resolve("api/visitors")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(huge))).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
        }

        Path log = Path.of("target", "test-logs", "quarkus.log");
        assertTrue(Files.exists(log), "the test log is captured at " + log);
        StringBuilder all = new StringBuilder();
        try (var files = Files.list(log.getParent())) { // the log and any rotated parts
            for (Path part : files.toList()) {
                all.append(Files.readString(part, StandardCharsets.UTF_8));
            }
        }
        String content = all.toString();
        // The access log has the request's path and never its query string (where bearer secrets travel).
        String events = "GET /api/conversations/" + chat.id() + "/events HTTP/1.1";
        assertTrue(content.contains(events), "the access log has the path of the request: " + events);
        assertFalse(content.contains("/events?access_token"), "the access log has a query string");
        assertTrue(content.contains("authentication failed"), "auth failures are logged");
        for (String secret : List.of(secretText, chat.visitorToken(), agent, unknownToken, wrongPassword,
                Api.ADMIN_PASSWORD)) {
            assertFalse(content.contains(secret), "the log contains a secret: " + secret.substring(0, 8) + "…");
        }
        assertFalse(content.lines().anyMatch(l -> l.contains("ERROR") && (l.contains("Request too large")
                || l.contains("payload"))), "an oversize body was logged as an error");
        assertFalse(content.contains("java.io.IOException: Request too large"), "an oversize body logged a stack trace");
        Matcher tokens = TOKEN.matcher(content);
        assertFalse(tokens.find(), () -> "the log contains a token-shaped string near: "
                + content.substring(Math.max(0, tokens.start() - 80), Math.min(content.length(), tokens.end())));
    }
}
