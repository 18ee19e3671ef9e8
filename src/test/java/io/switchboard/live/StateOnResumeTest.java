package io.switchboard.live;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

import org.awaitility.Awaitility;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.switchboard.support.Api;
import io.switchboard.support.Chat;
import io.switchboard.support.IframeClient;
import io.switchboard.support.Json;
import io.switchboard.support.Receiver;
import io.switchboard.support.SseClient;
import io.switchboard.support.StreamReceiver;
import io.switchboard.support.WsClient;

/**
 * Conversation state is part of what a client resumes, like its messages: a visitor and an agent are away
 * while the conversation is claimed, transferred, read and resolved; each comes back on a streaming
 * transport from its cursor and ends with the state of a client that never left (a {@code state} frame
 * on every subscribe, live changes after it).
 */
@QuarkusTest
class StateOnResumeTest {

    @TestHTTPResource("/")
    URI base;

    @ParameterizedTest
    @ValueSource(strings = { "websocket", "sse", "iframe" })
    void aClientThatWasAwayComesBackToTheCurrentState(String transport) {
        Chat chat = Chat.start(base);
        Api api = chat.api();
        String admin = api.agentToken();
        String colleagueName = "colleague" + System.nanoTime();
        String colleague = api.newAgent(admin, colleagueName, "Colleague", "colleague-password");
        long colleagueId = Json.parse(api.get(colleague, "/api/agents/me").body()).get("id").asLong();
        chat.send(chat.visitorToken(), "hello", "hello");

        // Both were here once, and left at seq 1.
        try (Receiver visitor = open(transport, chat.visitorToken(), "visitor", chat.id(), 0)) {
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> visitor.cursor() == 1);
        }
        // While they are away: claimed, answered, read by the agent, transferred, read by the visitor
        // (over REST), resolved.
        given().auth().oauth2(admin).post("/api/conversations/{id}/claim", chat.id()).then().statusCode(200);
        chat.send(admin, "reply-" + chat.id(), "how can I help?");
        given().auth().oauth2(admin).contentType(ContentType.JSON).body("{\"seq\":2}")
                .post("/api/conversations/{id}/read", chat.id()).then().statusCode(200);
        given().auth().oauth2(admin).contentType(ContentType.JSON).body("{\"agentId\":" + colleagueId + "}")
                .post("/api/conversations/{id}/assign", chat.id()).then().statusCode(200);
        given().auth().oauth2(chat.visitorToken()).contentType(ContentType.JSON).body("{\"seq\":2}")
                .post("/api/conversations/{id}/read", chat.id()).then().statusCode(200);
        given().auth().oauth2(colleague).contentType(ContentType.JSON).body("{\"status\":\"resolved\"}")
                .post("/api/conversations/{id}/status", chat.id()).then().statusCode(200);
        long adminId = Json.parse(api.get(admin, "/api/agents/me").body()).get("id").asLong();

        for (String[] side : new String[][] { { "visitor", chat.visitorToken() }, { "agent", colleague } }) {
            try (Receiver back = open(transport, side[1], side[0], chat.id(), 1)) {
                JsonNode state = awaitFrame(back, "state");
                JsonNode conversation = state.get("conversation");
                assertEquals("resolved", conversation.get("status").asText(), state::toString);
                assertEquals(colleagueId, conversation.get("assignee").get("id").asLong(), state::toString);
                assertEquals(chat.id(), state.get("conversationId").asLong());
                assertEquals(2, readOf(state, "agent", adminId), state::toString);
                assertEquals(2, readOf(state, "visitor", chat.visitor().id()), state::toString);
                // What it missed: "Administrator joined", the reply, "Administrator left", "Colleague joined",
                // "Colleague resolved the conversation" (system messages are stored and replayed like any).
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> back.cursor() == 6);
                assertEquals(List.of(2L, 3L, 4L, 5L, 6L), back.seqs(), "only the messages it missed");
                assertEquals(List.of("system", "agent", "system", "system", "system"),
                        back.received().stream().map(r -> r.authorKind()).toList());
            }
        }
    }

    private Receiver open(String transport, String token, String side, long conversation, long after) {
        return switch (transport) {
            case "websocket" -> WsClient.following(base, side, token, conversation, after);
            case "sse" -> SseClient.following(base, token, conversation, after);
            case "iframe" -> IframeClient.following(base, token, conversation, after);
            default -> throw new IllegalArgumentException(transport);
        };
    }

    private static JsonNode awaitFrame(Receiver receiver, String type) {
        // SSE events are recorded as {event, id, data}; the data is the frame.
        Supplier<List<JsonNode>> frames = () -> receiver instanceof WsClient ws ? ws.frames()
                : receiver instanceof SseClient sse ? sse.events().stream().map(e -> e.get("data")).toList()
                : ((StreamReceiver) receiver).events();
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> frames.get().stream().anyMatch(f -> type.equals(f.path("type").asText())));
        List<JsonNode> matching = frames.get().stream().filter(f -> type.equals(f.path("type").asText())).toList();
        assertEquals(1, matching.size(), "one " + type + " frame per subscribe");
        return matching.get(0);
    }

    private static long readOf(JsonNode state, String kind, long id) {
        for (JsonNode r : state.get("reads")) {
            if (kind.equals(r.get("readerKind").asText()) && r.get("readerId").asLong() == id) {
                return r.get("seq").asLong();
            }
        }
        return fail("no read cursor for " + kind + " " + id + " in " + state);
    }
}
