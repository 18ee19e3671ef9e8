package io.switchboard.message;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Api;
import io.switchboard.support.Chat;
import io.switchboard.support.Json;
import io.switchboard.support.Metrics;
import jakarta.inject.Inject;

/**
 * Group commit: sends from many threads into many conversations are committed in batches, and still every
 * message gets its own gap-free seq, a sender's messages keep their order, a retry returns the original, and
 * a send that fails its batch neither fails nor reorders the others.
 */
@QuarkusTest
class GroupCommitTest {

    @TestHTTPResource("/")
    URI base;

    @TestHTTPResource(value = "/", management = true)
    URI management;

    @Inject
    DataSource database;

    @Test
    void concurrentSendersIntoManyConversationsGetGaplessSeqsInTheirOwnOrder() throws Exception {
        Api api = new Api(base);
        String agent = api.agentToken();
        List<Chat> chats = List.of(Chat.start(base), Chat.start(base), Chat.start(base), Chat.start(base));
        int senders = 8;
        int each = 60;
        ExecutorService pool = Executors.newFixedThreadPool(senders);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int s = 0; s < senders; s++) {
                int sender = s;
                running.add(pool.submit(() -> {
                    start.await();
                    for (int n = 0; n < each; n++) {
                        Chat chat = chats.get((sender + n) % chats.size());
                        String token = sender % 2 == 0 ? agent : chat.visitorToken();
                        if (sender % 2 == 1 && chat != chats.get(sender % chats.size())) {
                            continue; // a visitor writes only into its own conversation
                        }
                        chat.send(token, "gc-" + sender + "-" + n + "-" + chat.id(), "sender " + sender + " #" + n);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : running) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        for (Chat chat : chats) {
            List<JsonNode> stored = all(api, agent, chat.id());
            assertEquals(LongStream.rangeClosed(1, stored.size()).boxed().toList(),
                    stored.stream().map(m -> m.get("seq").asLong()).toList(), "gap-free seqs in " + chat.id());
            Map<String, Integer> lastOf = new HashMap<>();
            for (JsonNode m : stored) {
                if (m.get("author").get("kind").asText().equals("system")) {
                    continue; // "… joined the conversation", before the agent's first reply
                }
                String[] id = m.get("clientMsgId").asText().split("-");
                int n = Integer.parseInt(id[2]);
                Integer before = lastOf.put(id[1], n);
                assertTrue(before == null || before < n, "sender " + id[1] + " out of order in " + chat.id());
            }
        }
    }

    @Test
    void theSameSendRacingItselfIsStoredOnceAndEveryAnswerIsTheOriginal() throws Exception {
        Chat chat = Chat.start(base);
        int racers = 12;
        ExecutorService pool = Executors.newFixedThreadPool(racers);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        try {
            for (int i = 0; i < racers; i++) {
                answers.add(pool.submit(() -> {
                    start.await();
                    return chat.api().send(chat.visitorToken(), chat.id(), "the-same-send", "only once");
                }));
            }
            start.countDown();
            int created = 0;
            for (Future<HttpResponse<String>> answer : answers) {
                HttpResponse<String> response = answer.get(1, TimeUnit.MINUTES);
                assertTrue(response.statusCode() == 201 || response.statusCode() == 200, response.body());
                created += response.statusCode() == 201 ? 1 : 0;
                JsonNode body = Json.parse(response.body());
                assertEquals(1, body.get("message").get("seq").asLong());
                assertEquals(response.statusCode() == 200, body.get("duplicate").asBoolean());
            }
            assertEquals(1, created);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, all(chat.api(), chat.visitorToken(), chat.id()).size());
    }

    /**
     * Another replica stores a retry of the same send at the very moment this one is in a batch: the batch's
     * insert fails on the unique key. The other sends of that batch are still stored, in order, and the racing
     * send is answered with the original.
     */
    @Test
    void aSendThatFailsItsBatchDoesNotFailOrReorderTheOthers() throws Exception {
        Chat held = Chat.start(base);
        Chat racing = Chat.start(base);
        Chat others = Chat.start(base);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (Connection lock = database.getConnection(); Connection rival = database.getConnection()) {
            lock.setAutoCommit(false);
            rival.setAutoCommit(false);
            // 1. The writer stalls on a locked conversation, so that the next sends form one batch.
            update(lock, "select id from conversation where id = ? for update", held.id());
            CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(
                    () -> held.api().send(held.visitorToken(), held.id(), "held-1", "held"), pool);
            await().atMost(Duration.ofSeconds(10)).until(() -> waitingOnLocks() >= 1);
            // 2. Another replica's transaction stores the racing send's key, not committed yet.
            update(rival, "insert into message (conversation_id, seq, prev_public, author_kind, author_id, text, client_msg_id) "
                    + "values (" + racing.id() + ", 1000, 999, 'visitor', " + racing.visitor().id() + ", 'from the other replica', 'race-1')");
            List<CompletableFuture<HttpResponse<String>>> batch = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                String id = "other-" + i;
                batch.add(CompletableFuture.supplyAsync(() -> others.api().send(others.visitorToken(), others.id(), id, id), pool));
                if (i == 3) {
                    batch.add(CompletableFuture.supplyAsync(
                            () -> racing.api().send(racing.visitorToken(), racing.id(), "race-1", "from this replica"), pool));
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> queued() >= batch.size());
            }
            // 3. The writer goes on: the batch's insert waits for the rival's key, which then commits.
            lock.commit();
            assertEquals(201, first.get(30, TimeUnit.SECONDS).statusCode());
            await().atMost(Duration.ofSeconds(10)).until(() -> waitingOnLocks() >= 1);
            rival.commit();

            for (CompletableFuture<HttpResponse<String>> answer : batch) {
                HttpResponse<String> response = answer.get(30, TimeUnit.SECONDS);
                assertTrue(response.statusCode() == 201 || response.statusCode() == 200, response.body());
            }
            JsonNode race = Json.parse(batch.get(3).get().body());
            assertTrue(race.get("duplicate").asBoolean(), race.toString());
            assertEquals(1000, race.get("message").get("seq").asLong(), "the racing send is answered with the original");
        } finally {
            pool.shutdownNow();
        }
        List<JsonNode> stored = all(others.api(), others.visitorToken(), others.id());
        assertEquals(List.of("other-1", "other-2", "other-3", "other-4", "other-5"),
                stored.stream().map(m -> m.get("clientMsgId").asText()).toList());
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), stored.stream().map(m -> m.get("seq").asLong()).toList());
    }

    private int waitingOnLocks() throws Exception {
        try (Connection c = database.getConnection(); ResultSet r = c.createStatement()
                .executeQuery("select count(*) from pg_stat_activity where wait_event_type = 'Lock'")) {
            r.next();
            return r.getInt(1);
        }
    }

    private int queued() {
        return (int) Metrics.gauge(management, "switchboard_messages_write_queue");
    }

    private static void update(Connection connection, String sql, Object... params) throws Exception {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                statement.setObject(i + 1, params[i]);
            }
            statement.execute();
        }
    }

    private static List<JsonNode> all(Api api, String token, long conversation) {
        List<JsonNode> messages = new ArrayList<>();
        Json.parse(Api.expect(200, api.get(token, "/api/conversations/" + conversation + "/messages?after=0&limit=200")).body())
                .forEach(messages::add);
        return messages;
    }
}
