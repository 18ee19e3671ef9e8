package io.switchboard.security;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
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

    @Test
    void logoutClosesEveryLiveConnectionOfThatToken() throws Exception {
        Api api = new Api(base);
        long conversation = api.conversation(api.newVisitor().token());
        String token = api.agentToken();
        String otherSession = api.agentToken();
        try (WsClient ws = WsClient.following(base, "agent", token, conversation, 0);
                WsClient unaffected = WsClient.connect(base, "agent", otherSession);
                SseClient sse = SseClient.following(base, token, conversation, 0);
                IframeClient iframe = IframeClient.following(base, token, conversation, 0)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> sse.opened() == 1 && iframe.opened() == 1);
            CompletableFuture<Long> longPoll = CompletableFuture.supplyAsync(() -> {
                long start = System.nanoTime();
                api.get(token, "/api/conversations/" + conversation + "/messages?after=0&wait=20s");
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            });
            await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ofMillis(300)).until(() -> true);

            given().auth().oauth2(token).post("/api/agents/logout").then().statusCode(204);

            ws.awaitClosed(LiveConnection.TOKEN_REVOKED);
            await().atMost(Duration.ofSeconds(10)).until(() -> sse.events().stream()
                    .anyMatch(e -> e.get("event").asText().equals("close")
                            && e.get("data").get("code").asInt() == LiveConnection.TOKEN_REVOKED));
            await().atMost(Duration.ofSeconds(10)).until(() -> iframe.events().stream()
                    .anyMatch(e -> e.get("type").asText().equals("close")));
            assertTrue(longPoll.get(15, TimeUnit.SECONDS) < 10_000, "the long-poll was not released by the logout");
            // Reconnecting with the revoked token fails; the other login is untouched.
            await().atMost(Duration.ofSeconds(10)).until(() -> sse.lastStatus() == 401 && iframe.lastStatus() == 401);
            assertTrue(unaffected.isOpen());
            unaffected.send(io.switchboard.support.Json.object().put("type", "ping").put("ref", "p"));
            assertEquals("pong", unaffected.awaitFrame(f -> "p".equals(f.path("ref").asText(null))).get("type").asText());
        }
    }
}
