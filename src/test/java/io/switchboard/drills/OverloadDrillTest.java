package io.switchboard.drills;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.switchboard.support.Chat;
import io.switchboard.support.Json;
import io.switchboard.support.Metrics;
import io.switchboard.support.Received;
import io.switchboard.support.Receiver;
import io.switchboard.support.Transports;
import io.switchboard.support.WsClient;
import jakarta.inject.Inject;

/**
 * Overload: with a small write queue, sends beyond what the store can take are refused at once with
 * {@code overloaded} (503 + Retry-After, or an error frame), never with a timeout or a 500; a send that
 * waited too long is refused rather than written late; and every acknowledged message is stored once and
 * delivered once to every listener on every transport.
 */
@QuarkusTest
@TestProfile(OverloadDrillTest.SmallWriteQueue.class)
class OverloadDrillTest {

    public static class SmallWriteQueue implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("switchboard.messages.write-queue", "40", "switchboard.messages.batch-size", "8",
                    "switchboard.messages.max-queue-wait", "3s");
        }
    }

    @TestHTTPResource("/")
    URI base;

    @TestHTTPResource(value = "/", management = true)
    URI management;

    @Inject
    DataSource database;

    @Test
    void aFullWriteQueueIsAnsweredOverloadedAtOnceOverRestAndWebSocket() throws Exception {
        Chat held = Chat.start(base);
        Chat chat = Chat.start(base);
        ExecutorService pool = Executors.newFixedThreadPool(48); // more blocking senders than the queue holds
        try (Connection lock = database.getConnection(); WsClient ws = WsClient.connect(base, "visitor", chat.visitorToken())) {
            CompletableFuture<HttpResponse<String>> stuck = stall(lock, held, pool);
            List<CompletableFuture<HttpResponse<String>>> queued = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String id = "q-" + i;
                queued.add(CompletableFuture.supplyAsync(() -> chat.api().send(chat.visitorToken(), chat.id(), id, id), pool));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> queuedSends() >= 40);

            HttpResponse<String> refused = chat.api().send(chat.visitorToken(), chat.id(), "one-too-many", "no room");
            assertEquals(503, refused.statusCode());
            assertEquals("overloaded", Json.parse(refused.body()).get("error").asText());
            assertTrue(refused.headers().firstValue("Retry-After").isPresent());
            ws.send(Json.object().put("type", "send").put("ref", "ws-1").put("conversationId", chat.id())
                    .put("clientMsgId", "ws-1").put("text", "no room either"));
            JsonNode error = ws.awaitFrame(f -> "ws-1".equals(f.path("ref").asText(null)));
            assertEquals("overloaded", error.path("code").asText(), error.toString());

            lock.commit();
            assertEquals(201, stuck.get(30, TimeUnit.SECONDS).statusCode());
            for (CompletableFuture<HttpResponse<String>> answer : queued) {
                assertEquals(201, answer.get(30, TimeUnit.SECONDS).statusCode());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(LongStream.rangeClosed(1, 40).boxed().toList(), seqs(chat), "the queued sends, and nothing refused");
    }

    @Test
    void aSendThatWaitedLongerThanTheQueueBoundIsRefusedNotWrittenLate() throws Exception {
        Chat held = Chat.start(base);
        Chat chat = Chat.start(base);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (Connection lock = database.getConnection()) {
            CompletableFuture<HttpResponse<String>> stuck = stall(lock, held, pool);
            List<CompletableFuture<HttpResponse<String>>> late = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                String id = "late-" + i;
                late.add(CompletableFuture.supplyAsync(() -> chat.api().send(chat.visitorToken(), chat.id(), id, id), pool));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> queuedSends() >= 5);
            await().pollDelay(Duration.ofMillis(3500)).atMost(Duration.ofSeconds(5)).until(() -> true); // past max-queue-wait
            lock.commit();
            assertEquals(201, stuck.get(30, TimeUnit.SECONDS).statusCode());
            for (CompletableFuture<HttpResponse<String>> answer : late) {
                HttpResponse<String> response = answer.get(30, TimeUnit.SECONDS);
                assertEquals(503, response.statusCode(), response.body());
                assertEquals("overloaded", Json.parse(response.body()).get("error").asText());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(List.of(), seqs(chat), "nothing refused was stored");
    }

    /**
     * 20 s of sends from more clients than the queue holds, with the store stalled for 2 s in the middle: every
     * answer is a commit or {@code overloaded}, and every listener, on every transport, gets exactly the
     * acknowledged messages, once each, in seq order.
     */
    @Test
    void underOverloadEveryAcknowledgedMessageIsStoredAndDeliveredOnceOnEveryTransport() throws Exception {
        List<Chat> chats = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            chats.add(Chat.start(base));
        }
        Chat watched = chats.get(0);
        String agent = watched.api().agentToken();
        List<Receiver> listeners = new ArrayList<>();
        for (String transport : Transports.ALL) {
            listeners.add(Transports.open(transport, watched.api(), watched.visitorToken(), "visitor", watched.id(), 0));
        }
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        List<String> unexpected = new CopyOnWriteArrayList<>();
        AtomicInteger refused = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(60);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        try (Connection lock = database.getConnection()) {
            List<Future<?>> senders = new ArrayList<>();
            for (int t = 0; t < 60; t++) {
                int thread = t;
                senders.add(pool.submit(() -> {
                    for (int n = 0; System.nanoTime() < end; n++) {
                        Chat chat = chats.get((thread + n) % chats.size());
                        String id = "load-" + thread + "-" + n;
                        HttpResponse<String> response = chat.api().send(agent, chat.id(), id, "load " + id);
                        if (response.statusCode() == 201) {
                            if (chat == watched) {
                                acknowledged.add(id);
                            }
                        } else if (response.statusCode() == 503
                                && "overloaded".equals(Json.parse(response.body()).path("error").asText())) {
                            refused.incrementAndGet();
                        } else {
                            unexpected.add(response.statusCode() + " " + response.body());
                        }
                    }
                    return null;
                }));
            }
            await().pollDelay(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(6)).until(() -> true);
            stall(lock, chats.get(9), pool);
            await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> true);
            lock.commit();
            for (Future<?> sender : senders) {
                sender.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        System.out.printf("overload drill: %d acknowledged in the watched conversation, %d refused overloaded%n",
                acknowledged.size(), refused.get());
        assertEquals(List.of(), unexpected, "every answer is a commit or overloaded");
        assertTrue(refused.get() > 0, "the store was stalled with more senders than the queue holds: some refusals");
        List<Long> stored = seqs(watched);
        assertEquals(LongStream.rangeClosed(1, stored.size()).boxed().toList(), stored);
        try {
            for (Receiver listener : listeners) {
                await(listener.transport()).atMost(Duration.ofSeconds(60))
                        .until(() -> listener.received().size() >= stored.size());
                List<Received> got = listener.received();
                assertEquals(stored, got.stream().map(Received::seq).toList(), listener.transport() + ": once each, in order");
                Set<String> ids = new HashSet<>();
                got.forEach(r -> ids.add(r.clientMsgId()));
                assertTrue(ids.containsAll(acknowledged), listener.transport() + ": every acknowledged message");
            }
        } finally {
            listeners.forEach(Receiver::close);
        }
    }

    /** Holds {@code chat}'s row lock and sends into it, so that the writer waits until the lock is released. */
    private CompletableFuture<HttpResponse<String>> stall(Connection lock, Chat chat, ExecutorService pool) throws Exception {
        lock.setAutoCommit(false);
        lock.createStatement().execute("select id from conversation where id = " + chat.id() + " for update");
        CompletableFuture<HttpResponse<String>> stuck = CompletableFuture.supplyAsync(
                () -> chat.api().send(chat.visitorToken(), chat.id(), "stall-" + System.nanoTime(), "stall"), pool);
        await().atMost(Duration.ofSeconds(10)).until(this::writerWaitsOnALock);
        return stuck;
    }

    private boolean writerWaitsOnALock() throws Exception {
        try (Connection c = database.getConnection(); ResultSet r = c.createStatement()
                .executeQuery("select count(*) from pg_stat_activity where wait_event_type = 'Lock'")) {
            r.next();
            return r.getInt(1) > 0;
        }
    }

    private int queuedSends() {
        return (int) Metrics.gauge(management, "switchboard_messages_write_queue");
    }

    private static List<Long> seqs(Chat chat) {
        return chat.messages().stream().map(m -> m.get("seq").asLong()).toList();
    }
}
