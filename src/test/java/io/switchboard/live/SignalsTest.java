package io.switchboard.live;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.switchboard.support.Api;
import io.switchboard.support.Chat;
import io.switchboard.support.Json;

/**
 * #27: long-poll clients got no typing indicators, and long-poll agents no sound or notification for a new
 * visitor, an @mention or an assignment: those are never stored, so the message long-poll (by cursor) could not
 * carry them. {@code GET /api/signals?wait=} is the long-poll's second request: the same frames as on the
 * WebSocket, for the conversations it names (visibility checked like every other path) and, for agents, the feed.
 */
@QuarkusTest
class SignalsTest {

    @TestHTTPResource("/")
    URI base;

    @Test
    void aVisitorOnLongPollHearsTheAgentTypeAndNothingMeantForAgents() throws Exception {
        Chat chat = Chat.start(base);
        String agent = chat.api().agentToken();
        CompletableFuture<JsonNode> heard = signals(chat.visitorToken(), String.valueOf(chat.id()));
        assertThrows(TimeoutException.class, () -> heard.get(1, TimeUnit.SECONDS), "it holds while nothing happens");
        given().auth().oauth2(agent).contentType(ContentType.JSON).body("{\"state\":\"start\"}")
                .post("/api/conversations/{id}/typing", chat.id()).then().statusCode(204);
        JsonNode frames = heard.get(15, TimeUnit.SECONDS);
        JsonNode typing = only(frames, f -> f.get("type").asText().equals("typing"));
        assertEquals(chat.id(), typing.get("conversationId").asLong());
        assertEquals("agent", typing.get("author").get("kind").asText());
        assertEquals("start", typing.get("state").asText());
        assertTrue(types(frames).stream().noneMatch(t -> t.equals("viewing") || t.equals("activity") || t.equals("conversation")
                || t.equals("presence")), "nothing of the agents' feed or who views it reaches a visitor: " + frames);

        // A read cursor too, as the visitor may see it.
        CompletableFuture<JsonNode> read = signals(chat.visitorToken(), String.valueOf(chat.id()));
        chat.send(agent, "sig-1", "hello");
        JsonNode stored = Json.parse(given().auth().oauth2(chat.visitorToken())
                .get("/api/conversations/{id}/messages", chat.id()).asString());
        long seq = stored.get(stored.size() - 1).get("seq").asLong();
        given().auth().oauth2(chat.visitorToken()).contentType(ContentType.JSON).body("{\"seq\":" + seq + "}")
                .post("/api/conversations/{id}/read", chat.id()).then().statusCode(200);
        JsonNode receipt = only(read.get(15, TimeUnit.SECONDS), f -> f.get("type").asText().equals("read"));
        assertEquals(seq, receipt.get("seq").asLong());
    }

    @Test
    void anAgentOnLongPollHearsANewVisitorAMentionAndTheVisitorTyping() throws Exception {
        Api api = new Api(base);
        String admin = api.agentToken();
        Chat chat = Chat.start(base);

        // The feed: a new visitor's conversation (the console's alert and sound).
        JsonNode arrived = hear(admin, null, () -> {
            Chat newcomer = Chat.start(base);
            return f -> f.get("type").asText().equals("conversation") && f.get("conversation").get("id").asLong() == newcomer.id();
        });
        assertEquals("waiting", arrived.get("conversation").get("status").asText());

        // An @mention: a private note's activity, marked internal (the console reads the note and alerts).
        JsonNode activity = hear(admin, null, () -> {
            given().auth().oauth2(admin).contentType(ContentType.JSON)
                    .body(Json.object().put("clientMsgId", "sig-note-" + System.nanoTime()).put("text", "@admin please look")
                            .put("internal", true).toString())
                    .post("/api/conversations/{id}/messages", chat.id()).then().statusCode(201);
            return f -> f.get("type").asText().equals("activity") && f.get("conversationId").asLong() == chat.id();
        });
        assertTrue(activity.get("internal").asBoolean(), activity.toString());

        // The visitor typing, in the conversation the agent names.
        JsonNode typing = hear(admin, String.valueOf(chat.id()), () -> {
            given().auth().oauth2(chat.visitorToken()).contentType(ContentType.JSON).body("{\"state\":\"start\"}")
                    .post("/api/conversations/{id}/typing", chat.id()).then().statusCode(204);
            return f -> f.get("type").asText().equals("typing");
        });
        assertEquals("visitor", typing.get("author").get("kind").asText());
    }

    @Test
    void whatASignalsRequestMayNameIsCheckedLikeEveryOtherPath() {
        Chat mine = Chat.start(base);
        Chat theirs = Chat.start(base);
        // Another visitor's conversation does not exist for her, here as everywhere (and no frame of it leaks).
        given().auth().oauth2(mine.visitorToken()).queryParam("wait", "1s").queryParam("conversations", mine.id() + "," + theirs.id())
                .get("/api/signals").then().statusCode(404).body("error", equalTo("conversation_not_found"));
        given().queryParam("wait", "1s").get("/api/signals").then().statusCode(401);
        given().auth().oauth2(mine.visitorToken()).get("/api/signals").then().statusCode(400).body("error", equalTo("invalid_wait"));
        given().auth().oauth2(mine.visitorToken()).queryParam("wait", "1s").queryParam("conversations", "12,abc")
                .get("/api/signals").then().statusCode(404).body("error", equalTo("conversation_not_found"));
        String many = LongStream.rangeClosed(1, 101).mapToObj(Long::toString).collect(Collectors.joining(","));
        given().auth().oauth2(mine.api().agentToken()).queryParam("wait", "1s").queryParam("conversations", many)
                .get("/api/signals").then().statusCode(400).body("error", equalTo("too_many_subscriptions"));
        // Nothing happens: an empty list when the wait is over.
        given().auth().oauth2(mine.visitorToken()).queryParam("wait", "1s").queryParam("conversations", String.valueOf(mine.id()))
                .get("/api/signals").then().statusCode(200).body("size()", equalTo(0));
    }

    private CompletableFuture<JsonNode> signals(String token, String conversations) {
        CompletableFuture<JsonNode> answer = CompletableFuture.supplyAsync(() -> {
            var request = given().auth().oauth2(token).queryParam("wait", "20s");
            if (conversations != null) {
                request = request.queryParam("conversations", conversations);
            }
            var response = request.get("/api/signals");
            assertEquals(200, response.statusCode(), response.asString());
            return Json.parse(response.asString());
        });
        // The request is registered before anything the test does next (a held request shows as a live one).
        try {
            answer.get(300, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // holding, as it should
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return answer;
    }

    /**
     * What an agent hears when {@code act} happens while its signals request is held. Other tests' agents and
     * visitors are live too, so an answer may come (with their frames) before the act: then the request is
     * made again; and an answer that was sent just before the act is tried again with a new act.
     */
    private JsonNode hear(String token, String conversations, java.util.function.Supplier<Predicate<JsonNode>> act) throws Exception {
        List<JsonNode> seen = new ArrayList<>();
        for (int attempt = 0; attempt < 5; attempt++) {
            CompletableFuture<JsonNode> answer = signals(token, conversations);
            if (answer.isDone()) {
                answer.get().forEach(seen::add);
                continue;
            }
            Predicate<JsonNode> wanted = act.get();
            for (JsonNode frame : answer.get(25, TimeUnit.SECONDS)) {
                if (wanted.test(frame)) {
                    return frame;
                }
                seen.add(frame);
            }
        }
        throw new AssertionError("never heard it; heard " + seen);
    }

    private static JsonNode only(JsonNode frames, Predicate<JsonNode> wanted) {
        List<JsonNode> found = new ArrayList<>();
        frames.forEach(f -> {
            if (wanted.test(f)) {
                found.add(f);
            }
        });
        assertEquals(1, found.size(), frames.toString());
        return found.get(0);
    }

    private static List<String> types(JsonNode frames) {
        List<String> types = new ArrayList<>();
        frames.forEach(f -> types.add(f.get("type").asText()));
        return types;
    }
}
