package io.switchboard.drills;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Api;
import io.switchboard.support.Chat;
import io.switchboard.support.EmbeddedPostgresResource;
import io.switchboard.support.Json;
import io.switchboard.support.Skips;
import io.switchboard.support.SseClient;
import io.switchboard.support.WsClient;

/**
 * Drill 2 of issue #6: PostgreSQL stops for ~5 s while two parties keep sending, then comes back. Every
 * send is either acknowledged and stored, or refused with 503 store_unavailable (never a false "ok");
 * readiness goes DOWN and UP; listeners connected before the outage end with exactly the stored history.
 */
@QuarkusTest
class DatabaseRestartDrillTest {

    @TestHTTPResource("/")
    URI base;

    @TestHTTPResource(value = "/", management = true)
    URI management;

    @Test
    void aDatabaseRestartUnderTrafficLosesNothingAcknowledgedAndRefusesTheRestClearly() throws Exception {
        Skips.unless(EmbeddedPostgresResource.embedded(), "this outage test stops the database, and an external one (SWITCHBOARD_TEST_JDBC_URL) cannot be stopped");
        Chat chat = Chat.start(base);
        String agent = chat.api().agentToken();

        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        List<String> unexpected = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger refused = new AtomicInteger();
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService senders = Executors.newFixedThreadPool(2);
        try (WsClient ws = WsClient.following(base, "visitor", chat.visitorToken(), chat.id(), 0);
                SseClient sse = SseClient.resuming(base, agent, chat.id(), 0)) {
            List<Future<?>> loops = new ArrayList<>();
            for (String who : List.of("visitor", "agent")) {
                String token = who.equals("visitor") ? chat.visitorToken() : agent;
                loops.add(senders.submit(() -> {
                    for (int n = 0; running.get() && n < 100_000; n++) {
                        String id = who + "-" + chat.id() + "-" + n;
                        HttpResponse<String> response = chat.api().send(token, chat.id(), id, who + " " + n);
                        if (response.statusCode() == 201 || response.statusCode() == 200) {
                            acknowledged.add(id);
                        } else if (response.statusCode() == 503
                                && Json.parse(response.body()).get("error").asText().equals("store_unavailable")) {
                            refused.incrementAndGet();
                            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
                        } else {
                            unexpected.add(response.statusCode() + " " + response.body());
                        }
                    }
                }));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> acknowledged.size() >= 20);

            EmbeddedPostgresResource.stopDatabase();
            long stopped = System.nanoTime();
            try {
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                        .until(() -> given().get(management.resolve("/q/health/ready")).statusCode() == 503);
                await().atMost(Duration.ofSeconds(30)).until(() -> refused.get() > 0);
                LockSupport.parkNanos(Math.max(0, Duration.ofSeconds(5).toNanos() - (System.nanoTime() - stopped)));
            } finally {
                EmbeddedPostgresResource.startDatabaseAgain();
            }
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> given().get(management.resolve("/q/health/ready")).statusCode() == 200);
            int afterRecovery = acknowledged.size();
            await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= afterRecovery + 20);
            running.set(false);
            for (Future<?> loop : loops) {
                loop.get(60, TimeUnit.SECONDS);
            }

            assertTrue(unexpected.isEmpty(), "every send is stored or refused with 503 store_unavailable: " + unexpected);
            List<JsonNode> stored = all(chat.api(), agent, chat.id());
            List<String> storedIds = stored.stream().map(m -> m.get("clientMsgId").asText()).toList();
            assertEquals(storedIds.size(), Set.copyOf(storedIds).size(), "nothing stored twice");
            assertTrue(storedIds.containsAll(acknowledged), "every acknowledged message is in the store");
            assertEquals(LongStream.rangeClosed(1, stored.size()).boxed().toList(),
                    stored.stream().map(m -> m.get("seq").asLong()).toList(), "seqs without gaps");

            // Listeners from before the outage caught up by cursor after the LISTEN connection came back.
            await().atMost(Duration.ofSeconds(30)).until(() -> ws.received().size() >= stored.size()
                    && sse.received().size() >= stored.size());
            assertEquals(stored.stream().map(m -> m.get("seq").asLong()).toList(), ws.seqs());
            assertEquals(stored.stream().map(m -> m.get("seq").asLong()).toList(), sse.seqs());
            System.out.printf("database restart drill: %d stored (%d acknowledged), %d refused with 503 during the outage%n",
                    stored.size(), acknowledged.size(), refused.get());
        } finally {
            running.set(false);
            senders.shutdownNow();
        }
    }

    private static List<JsonNode> all(Api api, String token, long conversation) {
        List<JsonNode> all = new ArrayList<>();
        long after = 0;
        while (true) {
            JsonNode page = Json.parse(api.get(token, "/api/conversations/" + conversation + "/messages?limit=200&after=" + after).body());
            if (page.isEmpty()) {
                return all;
            }
            page.forEach(all::add);
            after = page.get(page.size() - 1).get("seq").asLong();
        }
    }
}
