package io.switchboard.deploy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.switchboard.support.Api;
import io.switchboard.support.AppInstance;
import io.switchboard.support.FailoverWsClient;
import io.switchboard.support.IframeClient;
import io.switchboard.support.PollingClient;
import io.switchboard.support.Receiver;
import io.switchboard.support.SseClient;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * Two real replicas on one PostgreSQL, clients of every transport on replica A, messages flowing through
 * replica B. A is stopped mid-stream — by SIGTERM (a rolling update: it drains) or by SIGKILL (a crash) —
 * and every client, failing over to B with its cursor, ends with the complete history: nothing lost,
 * nothing doubled, in order.
 */
class FailoverIT {

    private static final int MESSAGES = 120;

    static EmbeddedPostgres postgres;
    AppInstance a;
    AppInstance b;

    @BeforeAll
    static void database() throws Exception {
        postgres = EmbeddedPostgres.builder().setDataDirectory(Files.createTempDirectory("switchboard-failover-db"))
                .setCleanDataDirectory(true).start();
    }

    @AfterAll
    static void stopDatabase() throws Exception {
        postgres.close();
    }

    @AfterEach
    void stopReplicas() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    @Test
    void aDrainingReplicaLosesNoMessageOnAnyTransport() throws Exception {
        String log = run(AppInstance::terminate, "drain");
        assertTrue(log.contains("draining"), "replica A logged its drain");
    }

    @Test
    void aCrashedReplicaLosesNoMessageOnAnyTransport() throws Exception {
        run(AppInstance::kill, "crash");
    }

    private String run(java.util.function.Consumer<AppInstance> stop, String name) throws Exception {
        // Both start at once, as a Deployment's replicas do (the migration's lock makes one wait for the other).
        a = AppInstance.launch("failover-" + name + "-a", postgres.getPort(), Map.of());
        b = AppInstance.launch("failover-" + name + "-b", postgres.getPort(), Map.of());
        a.awaitReady();
        b.awaitReady();
        List<URI> aThenB = List.of(a.base(), b.base());
        Api viaB = b.api();
        Api.Visitor visitor = viaB.newVisitor();
        long conversation = viaB.conversation(visitor.token());
        String agent = viaB.agentToken();

        List<Receiver> clients = new ArrayList<>(List.of(
                new FailoverWsClient(aThenB, "visitor", visitor.token(), conversation, 0),
                SseClient.failingOver(aThenB, visitor.token(), conversation, 0),
                PollingClient.failingOver(List.of(a.api(), viaB), visitor.token(), conversation, 0, "10s"),
                IframeClient.failingOver(aThenB, visitor.token(), conversation, 0),
                PollingClient.failingOver(List.of(a.api(), viaB), visitor.token(), conversation, 0, null)));
        try {
            AtomicInteger sent = new AtomicInteger();
            CompletableFuture<Void> traffic = CompletableFuture.runAsync(() -> {
                for (int i = 1; i <= MESSAGES; i++) {
                    viaB.sendOk(agent, conversation, name + "-" + i, "message " + i);
                    sent.set(i);
                    java.util.concurrent.locks.LockSupport.parkNanos(25_000_000L);
                }
            });
            await().atMost(Duration.ofSeconds(30)).until(() -> sent.get() >= MESSAGES / 3
                    && clients.stream().allMatch(c -> c.received().size() >= 5));
            stop.accept(a);
            traffic.get(60, TimeUnit.SECONDS);

            // Every message, and "Administrator joined the conversation" before the first.
            List<Long> expected = LongStream.rangeClosed(1, MESSAGES + 1).boxed().toList();
            await().atMost(Duration.ofSeconds(60)).until(() -> clients.stream().allMatch(c -> c.received().size() >= MESSAGES + 1));
            for (Receiver client : clients) {
                assertEquals(expected, client.seqs(), client.transport() + " after the " + name);
            }
            return a.log();
        } finally {
            clients.forEach(Receiver::close);
        }
    }
}
