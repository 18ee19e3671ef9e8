package io.switchboard.live;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Api;
import io.switchboard.support.Chat;
import io.switchboard.support.IframeClient;
import io.switchboard.support.Json;
import io.switchboard.support.Receiver;
import io.switchboard.support.SseClient;
import io.switchboard.support.Transports;
import io.switchboard.support.WsClient;

/**
 * One client session on any transport: presence, collision awareness and the agents' feed do not depend on
 * the WebSocket, and every transport carries the same frame JSON.
 */
@QuarkusTest
class OneSessionOnEveryTransportTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @TestHTTPResource("/")
    URI base;

    private static String statusOf(String admin, String name) {
        return given().auth().oauth2(admin).get("/api/agents/presence").then().statusCode(200).extract()
                .path("find { it.name == '" + name + "' }.status");
    }

    @Test
    void anAgentOnSseLongPollOrIframeIsOnlineAndAColleagueOnAWebSocketSeesItViewing() {
        Api api = new Api(base);
        String admin = api.agentToken();
        long conversation = api.conversation(api.newVisitor().token());
        try (WsClient colleague = WsClient.following(base, "agent", admin, conversation, 0)) {
            colleague.awaitFrame(f -> f.get("type").asText().equals("subscribed"));
            for (String transport : List.of("sse", "longpoll", "iframe")) {
                String username = transport + System.nanoTime();
                String name = "Agent " + username;
                String token = api.newAgent(admin, username, name, "transport-pw");
                assertEquals("offline", statusOf(admin, name), transport);
                try (Receiver receiver = Transports.open(transport, api, token, "agent", conversation, 0)) {
                    await().atMost(WAIT).until(() -> "online".equals(statusOf(admin, name)));
                    JsonNode viewing = colleague.awaitFrame(f -> f.get("type").asText().equals("viewing")
                            && f.get("agent").get("name").asText().equals(name));
                    assertEquals("start", viewing.get("state").asText(), transport);
                    assertEquals(conversation, viewing.get("conversationId").asLong(), transport);
                }
            }
        }
    }

    @Test
    void webSocketSseAndIframeCarryByteIdenticalFramesForTheSameEvents() {
        Chat chat = Chat.start(base);
        String agent = chat.api().agentToken();
        try (WsClient ws = WsClient.following(base, "visitor", chat.visitorToken(), chat.id(), 0);
                SseClient sse = SseClient.following(base, chat.visitorToken(), chat.id(), 0);
                IframeClient iframe = IframeClient.following(base, chat.visitorToken(), chat.id(), 0)) {
            ws.awaitFrame(f -> f.get("type").asText().equals("subscribed"));
            await().atMost(WAIT).until(() -> sse.opened() == 1 && !iframe.rawFrames().isEmpty());
            chat.send(agent, "same-" + chat.id(), "the same bytes everywhere, é 👋");
            given().auth().oauth2(agent).contentType("application/json").body("{\"status\":\"resolved\"}")
                    .post("/api/conversations/{id}/status", chat.id()).then().statusCode(200);

            for (String type : List.of("message", "conversation")) {
                Supplier<List<String>> inWs = () -> ofType(ws.rawFrames(), type);
                await().atMost(WAIT).until(() -> !inWs.get().isEmpty() && !ofType(sse.rawFrames(), type).isEmpty()
                        && !ofType(iframe.rawFrames(), type).isEmpty());
                String expected = inWs.get().get(inWs.get().size() - 1);
                assertEquals(expected, last(ofType(sse.rawFrames(), type)), "SSE data of " + type);
                assertEquals(expected, last(ofType(iframe.rawFrames(), type)), "iframe frame of " + type);
            }
        }
    }

    @Test
    void anAgentsSseFeedCarriesConversationsActivityAndPresence() {
        Api api = new Api(base);
        String admin = api.agentToken();
        try (SseClient feed = SseClient.feed(base, admin)) {
            await().atMost(WAIT).until(() -> feed.opened() == 1);
            Api.Visitor visitor = api.newVisitor();
            long conversation = api.conversation(visitor.token());
            api.sendOk(visitor.token(), conversation, "feed-" + conversation, "hello feed");
            await().atMost(WAIT).until(() -> feed.events().stream().anyMatch(e -> e.get("event").asText().equals("conversation")
                    && e.get("data").get("conversation").get("id").asLong() == conversation));
            await().atMost(WAIT).until(() -> feed.events().stream().anyMatch(e -> e.get("event").asText().equals("activity")
                    && e.get("data").get("conversationId").asLong() == conversation
                    && e.get("data").get("lastSeq").asLong() == 1));

            String username = "feed" + System.nanoTime();
            String name = "Agent " + username;
            try (WsClient colleague = WsClient.connect(base, "agent", api.newAgent(admin, username, name, "feed-password"))) {
                await().atMost(WAIT).until(() -> feed.events().stream().anyMatch(e -> e.get("event").asText().equals("presence")
                        && e.get("data").get("name").asText().equals(name)
                        && e.get("data").get("status").asText().equals("online")));
            }
        }
        given().auth().oauth2(api.newVisitor().token()).get("/api/feed/events").then().statusCode(403);
    }

    @Test
    void aConnectionFollowsAtMostItsBudgetOfConversations() {
        Api api = new Api(base);
        String admin = api.agentToken();
        int budget = 100;
        List<Long> conversations = new ArrayList<>();
        for (int i = 0; i <= budget; i++) {
            conversations.add(api.conversation(api.newVisitor().token()));
        }
        try (WsClient agent = WsClient.connect(base, "agent", admin)) {
            for (int i = 0; i < budget; i++) {
                agent.send(Json.object().put("type", "resume").put("ref", "r" + i).put("conversationId", conversations.get(i)));
            }
            agent.awaitFrame(f -> ("r" + (budget - 1)).equals(f.path("ref").asText(null)));
            agent.send(Json.object().put("type", "resume").put("ref", "over").put("conversationId", conversations.get(budget)));
            JsonNode refused = agent.awaitFrame(f -> "over".equals(f.path("ref").asText(null)));
            assertEquals("too_many_subscriptions", refused.path("code").asText(), refused.toString());
            // Unsubscribing frees a place; the connection is still healthy.
            agent.send(Json.object().put("type", "unsubscribe").put("ref", "u").put("conversationId", conversations.get(0)));
            agent.awaitFrame(f -> "u".equals(f.path("ref").asText(null)));
            agent.send(Json.object().put("type", "resume").put("ref", "again").put("conversationId", conversations.get(budget)));
            assertEquals("subscribed", agent.awaitFrame(f -> "again".equals(f.path("ref").asText(null))).get("type").asText());
            assertTrue(agent.isOpen());
        }
    }

    private static List<String> ofType(List<String> raw, String type) {
        return raw.stream().filter(text -> Json.parse(text).path("type").asText().equals(type)).toList();
    }

    private static String last(List<String> list) {
        return list.get(list.size() - 1);
    }
}
