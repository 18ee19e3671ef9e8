package io.switchboard.message;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Chat;
import io.switchboard.support.Json;
import io.switchboard.support.Received;
import io.switchboard.support.WsClient;

/**
 * A client that pipelines frames — sends the event loop takes at once, resumes and pings that wait for a
 * worker, interleaved — still has them handled in the order it sent them: its messages are stored in that
 * order, each once, and every frame is answered.
 */
@QuarkusTest
class PipelinedFramesTest {

    private static final int SENDS = 300;

    @TestHTTPResource("/")
    URI base;

    @Test
    void sendsBetweenFramesThatNeedAWorkerKeepTheirOrder() {
        Chat chat = Chat.start(base);
        try (WsClient agent = WsClient.following(base, "agent", chat.api().agentToken(), chat.id(), 0);
                WsClient visitor = WsClient.connect(base, "visitor", chat.visitorToken())) {
            agent.awaitFrame(f -> f.get("type").asText().equals("subscribed"));
            for (int i = 1; i <= SENDS; i++) {
                visitor.send(Json.object().put("type", "send").put("ref", "s" + i).put("conversationId", chat.id())
                        .put("clientMsgId", "pipelined-" + i).put("text", "message " + i));
                if (i % 10 == 0) { // reads the store three times, on a worker: later sends queue behind it
                    visitor.send(Json.object().put("type", "resume").put("ref", "r" + i).put("conversationId", chat.id())
                            .put("after", 0));
                } else if (i % 3 == 0) {
                    visitor.send(Json.object().put("type", "ping").put("ref", "p" + i));
                }
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> agent.received().size() >= SENDS);
            List<String> expected = IntStream.rangeClosed(1, SENDS).mapToObj(i -> "pipelined-" + i).toList();
            assertEquals(expected, agent.received().stream().map(Received::clientMsgId).toList(),
                    "stored and delivered in the order sent, each once");
            await().atMost(Duration.ofSeconds(20)).until(() -> visitor.frames().stream()
                    .filter(f -> f.get("type").asText().equals("ack")).count() == SENDS);
            long pongs = visitor.frames().stream().filter(f -> f.get("type").asText().equals("pong")).count();
            long subscribed = visitor.frames().stream().filter(f -> f.get("type").asText().equals("subscribed")).count();
            assertEquals(SENDS / 3 - SENDS / 30, pongs);
            assertEquals(SENDS / 10, subscribed);
        }
    }
}
