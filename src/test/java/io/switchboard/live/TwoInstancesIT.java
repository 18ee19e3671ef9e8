package io.switchboard.live;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.switchboard.support.Api;
import io.switchboard.support.AppInstance;
import io.switchboard.support.FromAddress;
import io.switchboard.support.PollingClient;
import io.switchboard.support.Receiver;
import io.switchboard.support.SseClient;
import io.switchboard.support.WsClient;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * Two real replicas (the packaged jar, started twice) on one PostgreSQL: what is sent to one reaches
 * listeners on the other, through LISTEN/NOTIFY and nothing else.
 */
class TwoInstancesIT {

    static EmbeddedPostgres postgres;
    static AppInstance a;
    static AppInstance b;

    @BeforeAll
    static void startReplicas() throws Exception {
        postgres = EmbeddedPostgres.builder().setDataDirectory(Files.createTempDirectory("switchboard-it-db"))
                .setCleanDataDirectory(true).start();
        // Both start at once, as a Deployment's replicas do (the migration's lock makes one wait for the other).
        a = AppInstance.launch("replica-a", postgres.getPort(), Map.of());
        b = AppInstance.launch("replica-b", postgres.getPort(), Map.of());
        a.awaitReady();
        b.awaitReady();
    }

    @AfterAll
    static void stopReplicas() throws Exception {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void aMessageSentToOneReplicaReachesWebSocketSseAndLongPollListenersOnTheOther() {
        Api onA = a.api();
        Api onB = b.api();
        Api.Visitor visitor = onA.newVisitor();
        long conversation = onA.conversation(visitor.token());
        String agentOnB = onB.agentToken();

        List<Receiver> listenersOnB = List.of(
                WsClient.following(b.base(), "agent", agentOnB, conversation, 0),
                SseClient.following(b.base(), agentOnB, conversation, 0),
                PollingClient.longPoll(onB, agentOnB, conversation, 0, "20s"));
        try (WsClient visitorOnA = WsClient.connect(a.base(), "visitor", visitor.token())) {
            for (int i = 1; i <= 10; i++) {
                if (i % 2 == 0) {
                    visitorOnA.sendMessage(conversation, "ws-" + i, "over the websocket " + i);
                } else {
                    onA.sendOk(visitor.token(), conversation, "rest-" + i, "over REST " + i);
                }
            }
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> listenersOnB.stream().allMatch(l -> l.received().size() >= 10));
            for (Receiver listener : listenersOnB) {
                assertEquals(LongStream.rangeClosed(1, 10).boxed().toList(), listener.seqs(), listener.transport());
                assertEquals("over the websocket 10", listener.received().get(9).text());
            }
        } finally {
            listenersOnB.forEach(Receiver::close);
        }
    }

    @Test
    void aLogoutOnOneReplicaClosesThatAgentsConnectionsOnTheOther() {
        String token = a.api().agentToken();
        try (WsClient onB = WsClient.connect(b.base(), "agent", token)) {
            Api.expect(204, a.api().request("POST", "/api/agents/logout", token, null));
            onB.awaitClosed(io.switchboard.live.LiveConnection.TOKEN_REVOKED);
        }
        assertEquals(401, b.api().get(token, "/api/agents/me").statusCode());
    }

    @Test
    void anAgentReplyOnTheOtherReplicaReachesTheVisitor() {
        Api.Visitor visitor = a.api().newVisitor();
        long conversation = a.api().conversation(visitor.token());
        try (WsClient visitorOnA = WsClient.following(a.base(), "visitor", visitor.token(), conversation, 0)) {
            b.api().sendOk(b.api().agentToken(), conversation, "reply-" + conversation, "hello from replica B");
            visitorOnA.awaitFrame(f -> f.get("type").asText().equals("message")
                    && f.get("message").get("text").asText().equals("hello from replica B"));
        }
        assertEquals(true, Files.exists(Path.of("target", "it-logs", "replica-a.log")));
    }

    /**
     * A message carries itself in its NOTIFY when it fits; 4000 characters of a three-byte script do not
     * (12 KB against PostgreSQL's 8000-byte limit), so that event is a hint, and the other replica reads the
     * message by cursor. Both arrive, in order, with their text intact.
     */
    @Test
    void aMessageTooBigForItsNotificationStillReachesTheOtherReplica() {
        Api.Visitor visitor = a.api().newVisitor();
        long conversation = a.api().conversation(visitor.token());
        String big = "中".repeat(4000);
        try (WsClient visitorOnA = WsClient.following(a.base(), "visitor", visitor.token(), conversation, 0)) {
            visitorOnA.awaitFrame(f -> f.get("type").asText().equals("subscribed"));
            String agent = b.api().agentToken();
            b.api().sendOk(agent, conversation, "big-" + conversation, big);
            b.api().sendOk(agent, conversation, "small-" + conversation, "and a small one");
            // "Administrator joined the conversation" (1), the big one (2), the small one (3).
            await().atMost(Duration.ofSeconds(30)).until(() -> visitorOnA.received().size() >= 3);
            assertEquals(List.of(1L, 2L, 3L), visitorOnA.seqs());
            assertEquals(big, visitorOnA.received().get(1).text());
            assertEquals("and a small one", visitorOnA.received().get(2).text());
        }
    }

    /**
     * The per-address visitor-creation limit (production: burst 30, 0.5/s) is one budget across replicas: an
     * address alternating between two gets the burst once, not once per replica.
     */
    @Test
    void anAddressGetsOneVisitorCreationBudgetAcrossReplicas() {
        int created = 0;
        int limited = 0;
        long start = System.nanoTime();
        for (int i = 0; i < 70; i++) {
            // from an address of this test's own, so the other tests' visitors do not come out of its budget
            int status = FromAddress.request((i % 2 == 0 ? a : b).base(), "127.0.0.11", "POST", "/api/visitors",
                    Map.of("Content-Type", "application/json"), "{}").status();
            if (status == 201) {
                created++;
            } else if (status == 429) {
                limited++;
            }
        }
        double refilled = (System.nanoTime() - start) / 1e9 * 0.5;
        assertTrue(limited > 0, "nothing was limited: " + created + " created");
        assertTrue(created <= 30 + Math.ceil(refilled), created + " visitors created from one address on two replicas");
    }
}
