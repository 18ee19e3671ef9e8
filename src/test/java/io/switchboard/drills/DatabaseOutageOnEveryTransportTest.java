package io.switchboard.drills;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Api;
import io.switchboard.support.Chat;
import io.switchboard.support.EmbeddedPostgresResource;
import io.switchboard.support.Json;
import io.switchboard.support.Receiver;
import io.switchboard.support.Skips;
import io.switchboard.support.SseClient;
import io.switchboard.support.Transports;
import io.switchboard.support.WsClient;

/**
 * While PostgreSQL is away, every transport answers as documented — a send over the WebSocket gets an
 * {@code error} frame {@code store_unavailable} and the connection stays; a REST send, a poll, a long-poll or a
 * new SSE stream gets 503 {@code store_unavailable} with {@code Retry-After}; never a 401 that would log a
 * valid session out, never a 500 — and when it is back, everyone resumes by cursor with exactly what was stored.
 */
@QuarkusTest
class DatabaseOutageOnEveryTransportTest {

    @TestHTTPResource("/")
    URI base;

    @TestHTTPResource(value = "/", management = true)
    URI management;

    @Test
    void duringAnOutageEveryTransportRefusesClearlyAndAfterItEveryoneResumesWithWhatWasStored() throws Exception {
        Skips.unless(EmbeddedPostgresResource.embedded(), "this outage test stops the database, and an external one "
                + "(SWITCHBOARD_TEST_JDBC_URL) cannot be stopped");
        Chat chat = Chat.start(base);
        Api api = chat.api();
        String agent = api.agentToken();
        chat.send(chat.visitorToken(), "before", "before the outage");
        List<Receiver> listeners = new ArrayList<>();
        try (WsClient ws = WsClient.following(base, "visitor", chat.visitorToken(), chat.id(), 0)) {
            for (String transport : Transports.ALL) {
                listeners.add(Transports.open(transport, api, agent, "agent", chat.id(), 0));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> ws.received().size() == 1
                    && listeners.stream().allMatch(r -> r.received().size() == 1));
            // A long-poll waiting when the database goes.
            CompletableFuture<HttpResponse<String>> waiting = CompletableFuture.supplyAsync(() ->
                    api.get(chat.visitorToken(), "/api/conversations/" + chat.id() + "/messages?after=1&wait=20s"));

            EmbeddedPostgresResource.stopDatabase();
            try {
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                        .until(() -> api.get(null, management.resolve("/q/health/ready").toString()).statusCode() == 503);

                // WebSocket: an error frame, and the connection stays open.
                ws.send(Json.object().put("type", "send").put("ref", "during").put("conversationId", chat.id())
                        .put("clientMsgId", "during-ws").put("text", "sent during the outage"));
                JsonNode refusal = ws.awaitFrame(f -> "during".equals(f.path("ref").asText(null)), Duration.ofSeconds(30));
                assertEquals("error", refusal.get("type").asText(), refusal.toString());
                assertEquals("store_unavailable", refusal.get("code").asText(), refusal.toString());
                assertTrue(ws.isOpen(), "the WebSocket stays open through the outage");

                // HTTP: 503 store_unavailable with Retry-After, whatever the transport, never 401 or 500.
                String messages = "/api/conversations/" + chat.id() + "/messages";
                assertUnavailable("REST send", api.send(chat.visitorToken(), chat.id(), "during-rest", "sent during the outage"));
                assertUnavailable("short poll", api.get(chat.visitorToken(), messages + "?after=0"));
                assertUnavailable("long-poll", api.get(chat.visitorToken(), messages + "?after=1&wait=2s"));
                assertUnavailable("agent's poll", api.get(agent, messages + "?after=0"));
                try (SseClient late = SseClient.following(base, agent, chat.id(), 0)) {
                    await().atMost(Duration.ofSeconds(20)).until(() -> late.lastStatus() != 0);
                    assertEquals(503, late.lastStatus(), "a new SSE stream during the outage");
                }
            } finally {
                EmbeddedPostgresResource.startDatabaseAgain();
            }
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> api.get(null, management.resolve("/q/health/ready").toString()).statusCode() == 200);

            // The waiting long-poll was answered (empty, or by its wait) and not with an error a client would give up on.
            HttpResponse<String> waited = waiting.get(40, TimeUnit.SECONDS);
            assertTrue(waited.statusCode() == 200 || waited.statusCode() == 503, waited.statusCode() + " " + waited.body());

            // Retried with the same ids: stored once each; every listener ends with exactly the store's history.
            JsonNode ack = ws.sendMessage(chat.id(), "during-ws", "sent during the outage");
            assertEquals("ack", ack.get("type").asText(), ack.toString());
            Api.expect(201, api.send(chat.visitorToken(), chat.id(), "during-rest", "sent during the outage"));
            chat.send(agent, "after-" + chat.id(), "after the outage");
            List<Long> stored = chat.messages().stream().map(m -> m.get("seq").asLong()).toList();
            assertEquals(LongStream.rangeClosed(1, stored.size()).boxed().toList(), stored, "no gap, nothing twice");
            await().atMost(Duration.ofSeconds(40)).until(() -> ws.received().size() >= stored.size()
                    && listeners.stream().allMatch(r -> r.received().size() >= stored.size()));
            assertEquals(stored, ws.seqs(), "websocket");
            for (Receiver r : listeners) {
                assertEquals(stored, r.seqs(), r.transport());
            }
        } finally {
            listeners.forEach(Receiver::close);
        }
    }

    private static void assertUnavailable(String what, HttpResponse<String> response) {
        assertEquals(503, response.statusCode(), what + ": " + response.body());
        assertEquals("store_unavailable", Json.parse(response.body()).get("error").asText(), what + ": " + response.body());
        assertTrue(response.headers().firstValue("Retry-After").isPresent(), what + ": no Retry-After");
    }
}
