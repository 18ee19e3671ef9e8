package io.switchboard.drills;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.switchboard.support.Chat;
import io.switchboard.support.Json;
import io.switchboard.support.WsClient;

/**
 * An instance whose deliveries fall behind refuses sends at the door instead of delivering them later still.
 * With a delivery-lag budget no commit can meet (1 µs), a send made right after this replica handled the
 * notification of one of its own commits is refused {@code overloaded} — on a WebSocket and over REST — and
 * nothing refused is stored; once no new sample comes (a sample counts for 250 ms) the same sends, retried
 * with their {@code clientMsgId}, go through, each stored once.
 */
@QuarkusTest
@TestProfile(DeliveryLagTest.NoLagAllowed.class)
class DeliveryLagTest {

    public static class NoLagAllowed implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("switchboard.messages.max-delivery-lag", "PT0.000001S");
        }
    }

    @TestHTTPResource("/")
    URI base;

    @Test
    void aSendRightAfterALaggingDeliveryIsRefusedOverloadedAndGoesThroughWhenRetried() {
        Chat chat = Chat.start(base);
        List<String> stored = new ArrayList<>();
        try (WsClient ws = WsClient.following(base, "visitor", chat.visitorToken(), chat.id(), 0)) {
            ws.awaitFrame(f -> f.path("type").asText().equals("subscribed"));

            String refusedOnSocket = refusedRightAfterAnEcho(ws, chat, stored, "ws", id -> {
                JsonNode answer = send(ws, chat, id, id);
                return answer.get("type").asText().equals("ack") ? null : answer.path("code").asText();
            });
            String refusedOverRest = refusedRightAfterAnEcho(ws, chat, stored, "rest", id -> {
                HttpResponse<String> answer = chat.api().send(chat.visitorToken(), chat.id(), id, id);
                if (answer.statusCode() / 100 == 2) {
                    return null;
                }
                assertEquals(503, answer.statusCode(), answer.body());
                assertTrue(answer.headers().firstValue("Retry-After").isPresent(), "Retry-After on a 503");
                return Json.parse(answer.body()).get("error").asText();
            });
            assertEquals(List.of(), ids(chat).stream().filter(id -> id.equals(refusedOnSocket) || id.equals(refusedOverRest)).toList(),
                    "nothing refused was stored");

            sendUntilAcknowledged(ws, chat, refusedOnSocket);
            sendUntilAcknowledged(ws, chat, refusedOverRest);
            stored.add(refusedOnSocket);
            stored.add(refusedOverRest);
        }
        List<JsonNode> messages = chat.messages();
        assertEquals(LongStream.rangeClosed(1, messages.size()).boxed().toList(),
                messages.stream().map(m -> m.get("seq").asLong()).toList(), "seqs gapless");
        assertEquals(stored.stream().sorted().toList(), ids(chat).stream().sorted().toList(), "each accepted message stored once");
    }

    /**
     * Sends a message and waits for its echo (this replica handled its notification: a lag sample), then at
     * once tries {@code probe}; a few rounds, since a slow machine may take the probe past the sample's
     * 250 ms. Returns the refused probe's id; probes that went through are added to {@code stored}.
     */
    private static String refusedRightAfterAnEcho(WsClient ws, Chat chat, List<String> stored, String name,
            Function<String, String> probe) {
        for (int round = 1; round <= 10; round++) {
            String echo = name + "-echo-" + round;
            sendUntilAcknowledged(ws, chat, echo);
            stored.add(echo);
            ws.awaitFrame(f -> f.path("type").asText().equals("message") && echo.equals(f.path("message").path("clientMsgId").asText()));
            String id = name + "-probe-" + round;
            String refusal = probe.apply(id);
            if (refusal == null) {
                stored.add(id);
                continue;
            }
            assertEquals("overloaded", refusal, "the refusal of a send while deliveries lag");
            return id;
        }
        throw new AssertionError("no " + name + " send was refused right after a lagging delivery in 10 rounds");
    }

    /** As a well-behaved client does: retries {@code overloaded} with the same clientMsgId after a pause. */
    private static void sendUntilAcknowledged(WsClient ws, Chat chat, String id) {
        for (int attempt = 1; attempt <= 20; attempt++) {
            JsonNode answer = send(ws, chat, id, id + "#" + attempt);
            if (answer.get("type").asText().equals("ack")) {
                return;
            }
            assertEquals("overloaded", answer.path("code").asText(), answer.toString());
            await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> true);
        }
        throw new AssertionError(id + " was not acknowledged after 20 attempts");
    }

    /** One send frame under its own {@code ref}; its answer (an ack or an error frame). */
    private static JsonNode send(WsClient ws, Chat chat, String clientMsgId, String ref) {
        ws.send(Json.object().put("type", "send").put("ref", ref).put("conversationId", chat.id())
                .put("clientMsgId", clientMsgId).put("text", clientMsgId));
        return ws.awaitFrame(f -> ref.equals(f.path("ref").asText(null)) && !f.get("type").asText().equals("subscribed"));
    }

    private static List<String> ids(Chat chat) {
        return chat.messages().stream().filter(m -> m.hasNonNull("clientMsgId")).map(m -> m.get("clientMsgId").asText()).toList();
    }
}
