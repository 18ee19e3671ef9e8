package io.switchboard.security;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.live.LiveConnection;
import io.switchboard.support.Api;
import io.switchboard.support.IframeClient;
import io.switchboard.support.SseClient;
import io.switchboard.support.WsClient;

@QuarkusTest
class RevocationTest {

    @TestHTTPResource("/")
    URI base;

    /**
     * Logging out closes every live connection of that token, on every transport: the WebSocket and the SSE and
     * iframe streams get the revocation close, and a long-poll that is open (the server holds it: a colleague
     * sees the agent viewing the conversation through it) is answered at once with an empty page, long before its
     * wait ends. A poll that arrives after the logout is refused (401), so the 200 proves the open one was released.
     */
    @Test
    void logoutClosesEveryLiveConnectionOfThatToken() throws Exception {
        Api api = new Api(base);
        long conversation = api.conversation(api.newVisitor().token());
        String username = "revoked-" + System.nanoTime();
        String token = api.newAgent(api.agentToken(), username, "Rhea", "revocation-password-1");
        String otherSession = api.agentToken(username, "revocation-password-1");
        try (WsClient colleague = WsClient.following(base, "agent", api.agentToken(), conversation, 0);
                WsClient unaffected = WsClient.connect(base, "agent", otherSession)) {
            colleague.awaitFrame(f -> f.get("type").asText().equals("state"));
            CompletableFuture<HttpResponse<String>> longPoll = CompletableFuture.supplyAsync(
                    () -> api.get(token, "/api/conversations/" + conversation + "/messages?after=0&wait=20s"));
            // The server holds the poll: through it, Rhea is viewing the conversation (her only connection yet).
            colleague.awaitFrame(f -> f.get("type").asText().equals("viewing") && f.get("state").asText().equals("start")
                    && f.get("agent").get("name").asText().equals("Rhea"));
            try (WsClient ws = WsClient.following(base, "agent", token, conversation, 0);
                    SseClient sse = SseClient.following(base, token, conversation, 0);
                    IframeClient iframe = IframeClient.following(base, token, conversation, 0)) {
                ws.awaitFrame(f -> f.get("type").asText().equals("state"));
                await().atMost(Duration.ofSeconds(10)).until(() -> sse.opened() == 1 && iframe.opened() == 1);
                assertTrue(!longPoll.isDone(), "the long-poll is still open before the logout");

                long loggedOut = System.nanoTime();
                given().auth().oauth2(token).post("/api/agents/logout").then().statusCode(204);

                HttpResponse<String> released = longPoll.get(15, TimeUnit.SECONDS);
                long releasedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - loggedOut);
                assertEquals(200, released.statusCode(), "the open long-poll is answered, not refused: " + released.body());
                assertEquals("[]", released.body());
                assertTrue(releasedAfterMs < 10_000, "the long-poll was released " + releasedAfterMs + " ms after the logout (its wait is 20 s)");
                ws.awaitClosed(LiveConnection.TOKEN_REVOKED);
                await().atMost(Duration.ofSeconds(10)).until(() -> sse.events().stream()
                        .anyMatch(e -> e.get("event").asText().equals("close")
                                && e.get("data").get("code").asInt() == LiveConnection.TOKEN_REVOKED));
                await().atMost(Duration.ofSeconds(10)).until(() -> iframe.events().stream()
                        .anyMatch(e -> e.get("type").asText().equals("close")
                                && e.path("code").asInt() == LiveConnection.TOKEN_REVOKED));
                // Reconnecting, or polling again, with the revoked token fails; the other login is untouched.
                await().atMost(Duration.ofSeconds(10)).until(() -> sse.lastStatus() == 401 && iframe.lastStatus() == 401);
                assertEquals(401, api.get(token, "/api/conversations/" + conversation + "/messages?after=0&wait=1s").statusCode());
                assertEquals(401, WsClient.refusal(base, "agent", token));
            }
            assertTrue(unaffected.isOpen());
            unaffected.send(io.switchboard.support.Json.object().put("type", "ping").put("ref", "p"));
            assertEquals("pong", unaffected.awaitFrame(f -> "p".equals(f.path("ref").asText(null))).get("type").asText());
        }
    }
}
