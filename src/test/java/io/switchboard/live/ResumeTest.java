package io.switchboard.live;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Chat;
import io.switchboard.support.Receiver;
import io.switchboard.support.SseClient;
import io.switchboard.support.Transports;

@QuarkusTest
class ResumeTest {

    @TestHTTPResource("/")
    URI base;

    @ParameterizedTest
    @ValueSource(strings = { "websocket", "sse", "longpoll", "iframe", "poll" })
    void reconnectingWithItsCursorAClientGetsExactlyTheMissedMessagesInOrderThenLiveOnes(String transport) {
        Chat chat = Chat.start(base);
        String agent = chat.api().agentToken();
        for (int i = 1; i <= 3; i++) {
            chat.send(chat.visitorToken(), "before-" + i, "before " + i);
        }

        long cursor;
        try (Receiver first = Transports.open(transport, chat.api(), chat.visitorToken(), "visitor", chat.id(), 0)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> first.received().size() == 3);
            cursor = first.cursor();
        }
        assertEquals(3, cursor);

        // The agent's first reply is preceded by the stored "joined" system message (seq 4).
        for (int i = 1; i <= 50; i++) {
            chat.send(agent, "missed-" + chat.id() + "-" + i, "missed " + i);
        }

        try (Receiver again = Transports.open(transport, chat.api(), chat.visitorToken(), "visitor", chat.id(), cursor)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> again.received().size() >= 51);
            chat.send(chat.visitorToken(), "live-1", "live 1");
            chat.send(agent, "live-2-" + chat.id(), "live 2");
            await().atMost(Duration.ofSeconds(20)).until(() -> again.received().size() >= 53);
            assertEquals(LongStream.rangeClosed(4, 56).boxed().toList(), again.seqs(), transport);
            assertEquals("system", again.received().get(0).authorKind());
            assertEquals("missed 1", again.received().get(1).text());
            assertEquals("live 2", again.received().get(52).text());
        }
    }

    @Test
    void anEventSourceResumesFromLastEventId() {
        Chat chat = Chat.start(base);
        for (int i = 1; i <= 5; i++) {
            chat.send(chat.visitorToken(), "m-" + i, "m " + i);
        }
        try (SseClient sse = SseClient.resuming(base, chat.visitorToken(), chat.id(), 2)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> sse.received().size() >= 3);
            assertEquals(List.of(3L, 4L, 5L), sse.seqs());
            assertEquals(List.of("no"), sse.lastHeaders().get("x-accel-buffering"));
        }
    }
}
