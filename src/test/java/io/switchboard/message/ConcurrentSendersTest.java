package io.switchboard.message;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.LongStream;
import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Chat;
import io.switchboard.support.Json;
import io.switchboard.support.Receiver;
import io.switchboard.support.Transports;
import io.switchboard.support.WsClient;
import jakarta.inject.Inject;

@QuarkusTest
class ConcurrentSendersTest {

    private static final int SENDERS = 8;
    private static final int EACH = 200;

    @TestHTTPResource("/")
    URI base;

    @Inject
    DataSource dataSource;

    @Test
    void eightConcurrentSendersGetGapFreeSeqsAndEveryListenerReceivesThemInOrder() throws Exception {
        Chat chat = Chat.start(base);
        String agent = chat.api().agentToken();
        List<Receiver> listeners = Transports.ALL.stream()
                .map(t -> Transports.open(t, chat.api(), chat.visitorToken(), "visitor", chat.id(), 0)).toList();
        ExecutorService pool = Executors.newFixedThreadPool(SENDERS);
        try {
            List<CompletableFuture<Void>> senders = new ArrayList<>();
            for (int s = 0; s < SENDERS; s++) {
                int sender = s;
                String token = sender % 2 == 0 ? chat.visitorToken() : agent;
                String side = sender % 2 == 0 ? "visitor" : "agent";
                senders.add(CompletableFuture.runAsync(() -> {
                    if (sender < SENDERS / 2) {
                        sendOverWebSocket(side, token, chat.id(), sender);
                    } else {
                        for (int i = 0; i < EACH; i++) {
                            chat.send(token, "c" + chat.id() + "-s" + sender + "-" + i, "sender " + sender + " #" + i);
                        }
                    }
                }, pool));
            }
            CompletableFuture.allOf(senders.toArray(CompletableFuture[]::new)).get();

            // Every send, and the system message before the agent's first reply ("… joined the conversation").
            List<Long> expected = LongStream.rangeClosed(1, SENDERS * EACH + 1).boxed().toList();
            assertEquals(expected, storedSeqs(chat.id()));
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> listeners.stream().allMatch(l -> l.received().size() >= SENDERS * EACH + 1));
            for (Receiver listener : listeners) {
                assertEquals(expected, listener.seqs(), listener.transport());
            }
        } finally {
            pool.shutdownNow();
            listeners.forEach(Receiver::close);
        }
    }

    /** Pipelines all frames, then waits for every ack: the server handles one connection's frames in order. */
    private void sendOverWebSocket(String side, String token, long conversation, int sender) {
        try (WsClient ws = WsClient.connect(base, side, token)) {
            for (int i = 0; i < EACH; i++) {
                ws.send(Json.object().put("type", "send").put("conversationId", conversation)
                        .put("clientMsgId", "c" + conversation + "-s" + sender + "-" + i).put("text", "sender " + sender + " #" + i));
            }
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> ws.frames().stream().filter(f -> f.get("type").asText().equals("ack")).count() == EACH);
            List<Long> acked = ws.frames().stream().filter(f -> f.get("type").asText().equals("ack"))
                    .map(f -> f.get("seq").asLong()).toList();
            for (int i = 1; i < acked.size(); i++) {
                if (acked.get(i) <= acked.get(i - 1)) {
                    throw new AssertionError("one sender's messages were stored out of order: " + acked);
                }
            }
        }
    }

    private List<Long> storedSeqs(long conversation) throws Exception {
        List<Long> seqs = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("select seq from message where conversation_id = ? order by id")) {
            s.setLong(1, conversation);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    seqs.add(r.getLong(1));
                }
            }
        }
        return seqs;
    }
}
