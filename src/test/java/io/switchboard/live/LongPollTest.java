package io.switchboard.live;

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

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Api;
import io.switchboard.support.Chat;
import io.switchboard.support.Json;
import jakarta.inject.Inject;

@QuarkusTest
class LongPollTest {

    @TestHTTPResource("/")
    URI base;

    @Inject
    ConnectionRegistry connections;

    @Test
    void withNothingNewItHoldsForTheRequestedWaitThenAnswersWithAnEmptyList() {
        Chat chat = Chat.start(base);
        long start = System.nanoTime();
        HttpResponse<String> response = chat.api().get(chat.visitorToken(),
                "/api/conversations/" + chat.id() + "/messages?after=0&wait=1500ms");
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(200, response.statusCode());
        assertEquals("[]", response.body());
        assertTrue(elapsedMs >= 1400, "answered after " + elapsedMs + " ms, before the wait was over");
        assertTrue(elapsedMs < 10_000, "held for " + elapsedMs + " ms");
    }

    @Test
    void waitsAreCappedAtTheConfiguredMaximum() {
        Chat chat = Chat.start(base);
        chat.send(chat.visitorToken(), "x", "already there");
        // A huge wait is accepted (capped), and with something newer than the cursor it answers at once.
        HttpResponse<String> response = chat.api().get(chat.visitorToken(),
                "/api/conversations/" + chat.id() + "/messages?after=0&wait=3600s");
        assertEquals(200, response.statusCode());
        assertEquals(1, Json.parse(response.body()).size());
    }

    @Test
    void aCommitReleasesAWaitingPollPromptly() throws Exception {
        Chat chat = Chat.start(base);
        String agent = chat.api().agentToken();
        // Taken first (seq 1, "… joined the conversation"), so that each reply below is one message.
        Api.expect(200, chat.api().request("POST", "/api/conversations/" + chat.id() + "/claim", agent, "{}"));
        List<Long> latencies = new ArrayList<>();
        for (int i = 1; i <= 7; i++) {
            long after = i;
            CompletableFuture<Long> answered = CompletableFuture.supplyAsync(() -> {
                HttpResponse<String> r = chat.api().get(chat.visitorToken(),
                        "/api/conversations/" + chat.id() + "/messages?after=" + after + "&wait=20s");
                long at = System.nanoTime();
                assertEquals(1, Json.parse(r.body()).size(), "woken by the commit, not by the end of the wait: " + r.body());
                return at;
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> connections.count(Transport.longpoll) == 1);
            chat.send(agent, "wake-" + chat.id() + "-" + i, "wake up " + i);
            long committed = System.nanoTime();
            long releasedAt = answered.get(20, TimeUnit.SECONDS);
            latencies.add(Math.max(0, TimeUnit.NANOSECONDS.toMillis(releasedAt - committed)));
            await().atMost(Duration.ofSeconds(10)).until(() -> connections.count(Transport.longpoll) == 0);
        }
        // Each poll was answered with the reply, so the commit woke it: at the end of its wait it answers an
        // empty page. How fast is a figure, not a test: bench/run.sh's chat step measures long-poll latency.
        System.out.println("long-poll release after commit (ms): " + latencies);
    }
}
