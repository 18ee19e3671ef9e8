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
import io.switchboard.support.Api;
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
        Api api = new Api(base);
        Api.Visitor visitor = api.newVisitor();
        long conversation = api.conversation(visitor.token());
        String agent = api.agentToken();
        for (int i = 1; i <= 3; i++) {
            api.sendOk(visitor.token(), conversation, "before-" + i, "before " + i);
        }

        long cursor;
        try (Receiver first = Transports.open(transport, api, visitor.token(), "visitor", conversation, 0)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> first.received().size() == 3);
            cursor = first.cursor();
        }
        assertEquals(3, cursor);

        for (int i = 1; i <= 50; i++) {
            api.sendOk(agent, conversation, "missed-" + conversation + "-" + i, "missed " + i);
        }

        try (Receiver again = Transports.open(transport, api, visitor.token(), "visitor", conversation, cursor)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> again.received().size() >= 50);
            api.sendOk(visitor.token(), conversation, "live-1", "live 1");
            api.sendOk(agent, conversation, "live-2-" + conversation, "live 2");
            await().atMost(Duration.ofSeconds(20)).until(() -> again.received().size() >= 52);
            assertEquals(LongStream.rangeClosed(4, 55).boxed().toList(), again.seqs(), transport);
            assertEquals("missed 1", again.received().get(0).text());
            assertEquals("live 2", again.received().get(51).text());
        }
    }

    @Test
    void anEventSourceResumesFromLastEventId() {
        Api api = new Api(base);
        Api.Visitor visitor = api.newVisitor();
        long conversation = api.conversation(visitor.token());
        for (int i = 1; i <= 5; i++) {
            api.sendOk(visitor.token(), conversation, "m-" + i, "m " + i);
        }
        try (SseClient sse = SseClient.resuming(base, visitor.token(), conversation, 2)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> sse.received().size() >= 3);
            assertEquals(List.of(3L, 4L, 5L), sse.seqs());
            assertEquals(List.of("no"), sse.lastHeaders().get("x-accel-buffering"));
        }
    }
}
