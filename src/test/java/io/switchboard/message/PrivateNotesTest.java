package io.switchboard.message;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Api;
import io.switchboard.support.Chat;
import io.switchboard.support.Json;
import io.switchboard.support.Received;
import io.switchboard.support.Receiver;
import io.switchboard.support.Transports;
import io.switchboard.support.WsClient;

/**
 * Private notes (#14): agents-only messages in the conversation's one timeline. A visitor never receives one,
 * live or replayed, on any of the five transports, nor in history; agents get them everywhere, in order.
 */
@QuarkusTest
class PrivateNotesTest {

    private static final String SECRET = "SECRET";

    @TestHTTPResource("/")
    URI base;

    @Test
    void aPrivateNoteNeverReachesTheVisitorOnAnyTransportLiveOrReplayedButEveryAgentGetsIt() {
        Chat chat = Chat.start(base);
        String agent = chat.api().agentToken();
        chat.send(chat.visitorToken(), "v-1", "My order is late");

        List<Receiver> visitors = new ArrayList<>();
        List<Receiver> agents = new ArrayList<>();
        try {
            for (String transport : Transports.ALL) {
                visitors.add(Transports.open(transport, chat.api(), chat.visitorToken(), "visitor", chat.id(), 0));
                agents.add(Transports.open(transport, chat.api(), agent, "agent", chat.id(), 0));
            }
            note(chat, agent, "n-1-" + chat.id(), SECRET + ": finance approved a refund");
            chat.send(agent, "a-1-" + chat.id(), "Let me check that for you"); // also "… joined the conversation"
            // Too long for a NOTIFY payload in a multi-byte script: receivers read it back from the store.
            note(chat, agent, "n-2-" + chat.id(), SECRET + " " + "退款".repeat(1500));
            note(chat, agent, "n-3-" + chat.id(), SECRET + ": third note");
            chat.send(chat.visitorToken(), "v-2", "Thanks!");

            List<JsonNode> all = history(chat, agent);
            assertEquals(7, all.size(), "1 visitor message, 3 notes, a join, a reply, a visitor message");
            List<Long> everySeq = all.stream().map(m -> m.get("seq").asLong()).toList();
            List<Long> publicSeqs = all.stream().filter(m -> !m.get("internal").asBoolean()).map(m -> m.get("seq").asLong()).toList();
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L), everySeq);
            assertEquals(List.of(1L, 3L, 4L, 7L), publicSeqs, "notes are seqs 2, 5 and 6");
            assertEquals("joined", all.get(2).get("event").asText());
            // prevPublic lets a visitor's client tell the jump over notes from a gap.
            assertEquals(List.of(0L, 1L, 3L, 4L), all.stream().filter(m -> !m.get("internal").asBoolean())
                    .map(m -> m.get("prevPublic").asLong()).toList());

            await().atMost(Duration.ofSeconds(30)).until(() -> agents.stream().allMatch(r -> r.received().size() >= 7)
                    && visitors.stream().allMatch(r -> r.received().size() >= 4));
            for (Receiver r : agents) {
                assertEquals(everySeq, r.seqs(), "agent on " + r.transport());
            }
            // Live: nothing further arrives for the visitors. A public message after the notes is the marker:
            // streams are in seq order, so once it is in, a late note would have come before it.
            long marker = chat.send(chat.visitorToken(), "v-3", "Marker").get("seq").asLong();
            List<Long> liveSeqs = new ArrayList<>(publicSeqs);
            liveSeqs.add(marker);
            await().atMost(Duration.ofSeconds(30)).until(() -> visitors.stream().allMatch(r -> r.received().stream()
                    .anyMatch(m -> m.seq() == marker)));
            for (Receiver r : visitors) {
                assertVisitorView(liveSeqs, r, "live");
            }
            // Replayed from the start and from the cursor before the notes, on every transport.
            for (long from : List.of(0L, 1L)) {
                for (String transport : Transports.ALL) {
                    try (Receiver replay = Transports.open(transport, chat.api(), chat.visitorToken(), "visitor", chat.id(), from)) {
                        List<Long> expected = liveSeqs.stream().filter(seq -> seq > from).toList();
                        await().atMost(Duration.ofSeconds(20)).until(() -> replay.received().size() >= expected.size());
                        assertVisitorView(expected, replay, "replayed after " + from);
                    }
                }
            }
        } finally {
            visitors.forEach(Receiver::close);
            agents.forEach(Receiver::close);
        }

        // History pages, backwards and forwards, as the visitor: no note, no trace of one.
        for (String page : List.of("", "?before=100", "?after=0", "?after=1&limit=2", "?before=7&limit=3")) {
            String body = Api.expect(200, chat.api().get(chat.visitorToken(), "/api/conversations/" + chat.id() + "/messages" + page)).body();
            assertFalse(body.contains(SECRET), "history " + page + " shows a note to the visitor: " + body);
            assertFalse(body.contains("\"internal\":true"), page);
        }
    }

    @Test
    void aVisitorCannotWriteANoteOnRestOrWebSocket() {
        Chat chat = Chat.start(base);
        HttpResponse<String> refused = chat.api().request("POST", "/api/conversations/" + chat.id() + "/messages",
                chat.visitorToken(), Json.object().put("text", "let me in").put("internal", true).toString());
        assertEquals(403, refused.statusCode());
        assertEquals("notes_are_for_agents", Json.parse(refused.body()).get("error").asText());
        try (WsClient ws = WsClient.connect(base, "visitor", chat.visitorToken())) {
            ws.send(Json.object().put("type", "send").put("ref", "r1").put("conversationId", chat.id())
                    .put("clientMsgId", "note-try").put("text", "let me in").put("internal", true));
            JsonNode error = ws.awaitFrame(f -> "error".equals(f.path("type").asText()) && "r1".equals(f.path("ref").asText()));
            assertEquals("notes_are_for_agents", error.get("code").asText());
            ws.send(Json.object().put("type", "send").put("ref", "r2").put("conversationId", chat.id())
                    .put("clientMsgId", "note-try-2").put("text", "x").put("internal", "yes"));
            JsonNode malformed = ws.awaitFrame(f -> "error".equals(f.path("type").asText()) && "r2".equals(f.path("ref").asText()));
            assertEquals("malformed_frame", malformed.get("code").asText());
        }
        assertTrue(chat.messages().isEmpty(), "nothing was stored");
    }

    /**
     * A note is how a colleague helps: any agent may write one, also on a conversation a colleague holds
     * (where she may not reply), and it changes nothing about the conversation: no status, no assignee, no
     * system line, no unread message for the visitor.
     */
    @Test
    void aColleagueMayNoteOnAConversationSheCannotReplyToAndTheNoteChangesNothing() {
        Chat chat = Chat.start(base);
        Api api = chat.api();
        String admin = api.agentToken();
        long suffix = System.nanoTime() % 1_000_000;
        String holder = api.newAgent(admin, "holder" + suffix, "Holder", "holder-password-1");
        String colleague = api.newAgent(admin, "colleague" + suffix, "Colleague", "colleague-password-1");
        chat.send(chat.visitorToken(), "v-1", "Hello");
        note(chat, holder, "first-note-" + chat.id(), "a note while it waits");
        JsonNode waiting = Json.parse(api.get(admin, "/api/conversations/" + chat.id()).body());
        assertEquals("waiting", waiting.get("status").asText(), "a note is not a reply: the conversation still waits");
        assertTrue(waiting.get("assignee").isNull());

        Api.expect(200, api.request("POST", "/api/conversations/" + chat.id() + "/claim", holder, "{}"));
        HttpResponse<String> reply = api.send(colleague, chat.id(), "c-reply-" + chat.id(), "I can answer");
        assertEquals(403, reply.statusCode());
        assertEquals("assigned_to_another_agent", Json.parse(reply.body()).get("error").asText());
        note(chat, colleague, "c-note-" + chat.id(), "@holder the customer called yesterday too");

        List<JsonNode> all = history(chat, admin);
        assertEquals(List.of("visitor", "agent", "system", "agent"), all.stream().map(m -> m.get("author").get("kind").asText()).toList());
        assertEquals(List.of(false, true, false, true), all.stream().map(m -> m.get("internal").asBoolean()).toList());
        assertEquals(List.of("Hello", "Holder joined the conversation"),
                chat.messages().stream().map(m -> m.get("text").asText()).toList());
        // The conversation as the visitor reads it does not count the notes either (its last seq is 3, not 4).
        assertEquals(3, Json.parse(api.get(chat.visitorToken(), "/api/conversations/" + chat.id()).body()).get("lastSeq").asLong());
    }

    /**
     * Read receipts name seqs: an agent who read up to a note must not tell the visitor that seq, live, in
     * the state a subscription starts with, or over REST; nor may a visitor's own read reveal how far the
     * notes go.
     */
    @Test
    void anAgentsReadCursorNeverNamesANoteToTheVisitor() {
        Chat chat = Chat.start(base);
        Api api = chat.api();
        String agent = api.agentToken();
        chat.send(chat.visitorToken(), "v-1", "hi");                      // 1
        chat.send(agent, "a-1-" + chat.id(), "hello");                   // 2 joined, 3 reply
        note(chat, agent, "n-1-" + chat.id(), SECRET + " read me");       // 4
        String reads = "/api/conversations/" + chat.id() + "/read";
        try (WsClient ws = WsClient.following(base, "visitor", chat.visitorToken(), chat.id(), 0)) {
            ws.awaitFrame(f -> "state".equals(f.path("type").asText()));
            Api.expect(200, api.request("POST", reads, agent, "{\"seq\":4}"));
            JsonNode read = ws.awaitFrame(f -> "read".equals(f.path("type").asText()) && "agent".equals(f.path("readerKind").asText()));
            assertEquals(3, read.get("seq").asLong(), "the visitor is told the last message it can see");
        }
        try (WsClient ws = WsClient.following(base, "visitor", chat.visitorToken(), chat.id(), 0)) {
            JsonNode state = ws.awaitFrame(f -> "state".equals(f.path("type").asText()));
            assertFalse(state.toString().contains("\"seq\":4"), state.toString());
        }
        assertEquals(3, agentRead(api, chat.visitorToken(), chat.id()));
        assertEquals(4, agentRead(api, agent, chat.id()), "agents see the cursor as it is");
        HttpResponse<String> beyond = api.request("POST", reads, chat.visitorToken(), "{\"seq\":4}");
        assertEquals(400, beyond.statusCode());
        assertFalse(beyond.body().contains("4"), "the refusal names the visitor's last seq, not the notes': " + beyond.body());
        Api.expect(200, api.request("POST", reads, chat.visitorToken(), "{\"seq\":3}"));
    }

    private static long agentRead(Api api, String token, long conversation) {
        for (JsonNode r : Json.parse(Api.expect(200, api.get(token, "/api/conversations/" + conversation + "/reads")).body())) {
            if (r.get("readerKind").asText().equals("agent")) {
                return r.get("seq").asLong();
            }
        }
        return -1;
    }

    private static void assertVisitorView(List<Long> publicSeqs, Receiver r, String how) {
        List<Received> got = r.received();
        assertEquals(publicSeqs, got.stream().map(Received::seq).toList(), "visitor " + how + " on " + r.transport());
        assertTrue(got.stream().noneMatch(m -> m.text().contains(SECRET)), "a note reached the visitor " + how + " on " + r.transport());
    }

    private static JsonNode note(Chat chat, String agentToken, String clientMsgId, String text) {
        HttpResponse<String> response = chat.api().request("POST", "/api/conversations/" + chat.id() + "/messages", agentToken,
                Json.object().put("clientMsgId", clientMsgId).put("text", text).put("internal", true).toString());
        JsonNode message = Json.parse(Api.expect(201, response).body()).get("message");
        assertTrue(message.get("internal").asBoolean());
        return message;
    }

    private static List<JsonNode> history(Chat chat, String agentToken) {
        JsonNode page = Json.parse(Api.expect(200, chat.api().get(agentToken,
                "/api/conversations/" + chat.id() + "/messages?after=0&limit=200")).body());
        return StreamSupport.stream(page.spliterator(), false).toList();
    }
}
