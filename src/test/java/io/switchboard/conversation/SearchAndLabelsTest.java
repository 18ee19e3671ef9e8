package io.switchboard.conversation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Api;
import io.switchboard.support.Chat;
import io.switchboard.support.Json;
import io.switchboard.support.WsClient;

/**
 * Search, labels and views over REST (#14), against the real store: full-text search finds a message by a word,
 * a visitor by e-mail and name, an agent's private note (agents only); filters narrow it; labels have a budget
 * and never reach a visitor.
 */
@QuarkusTest
class SearchAndLabelsTest {

    @TestHTTPResource("/")
    URI base;

    @Test
    void searchFindsMessagesNotesNamesAndEmailsWithinTheFilters() {
        Api api = new Api(base);
        String agent = api.agentToken();
        long tag = System.nanoTime() % 1_000_000_000L;
        Chat parcel = Chat.start(base);
        parcel.send(parcel.visitorToken(), "p-1", "Where is parcel QX" + tag + "? Order " + tag + " left Lyon on Monday");
        Api.expect(200, api.request("PATCH", "/api/visitors/me", parcel.visitorToken(),
                Json.object().put("name", "Ines Lefebvre" + tag).put("email", "ines" + tag + "@example.org").toString()));
        Chat other = Chat.start(base);
        other.send(other.visitorToken(), "o-1", "Nothing to do with the other one " + tag);
        Api.expect(201, api.request("POST", "/api/conversations/" + other.id() + "/messages", agent,
                Json.object().put("text", "internal memo code MEMO" + tag).put("internal", true).toString()));

        assertEquals(List.of(parcel.id()), ids(search(api, agent, "qx" + tag))); // any case
        JsonNode hit = search(api, agent, "QX" + tag).get("items").get(0);
        assertEquals(1, hit.get("seq").asLong());
        assertTrue(hit.get("snippet").asText().contains("«QX" + tag + "»"), hit.toString());
        assertEquals(List.of(parcel.id()), ids(search(api, agent, "ines" + tag + "@example.org")), "by e-mail");
        assertEquals(List.of(parcel.id()), ids(search(api, agent, "Lefebvre" + tag)), "by name");
        assertEquals(List.of(parcel.id()), ids(search(api, agent, "\"parcel QX" + tag + "\"")), "a phrase");
        JsonNode note = search(api, agent, "MEMO" + tag).get("items").get(0);
        assertEquals(other.id(), note.get("conversation").get("id").asLong());
        assertTrue(note.get("internal").asBoolean(), "the hit is a private note");
        List<Long> both = ids(search(api, agent, "" + tag));
        assertTrue(both.containsAll(List.of(parcel.id(), other.id())), both.toString());

        // #27: Chinese has no spaces and Arabic attaches prefixes, so such words sit inside longer runs that the
        // word index never splits ("台灯" in "我的台灯坏了", "كتاب" in "والكتاب"): found by substring, excerpt marked.
        Chat lamp = Chat.start(base);
        lamp.send(lamp.visitorToken(), "zh-1", "我的台灯坏了，订单" + tag);
        Chat book = Chat.start(base);
        book.send(book.visitorToken(), "ar-1", "أين والكتاب الذي طلبته؟ " + tag);
        JsonNode zh = search(api, agent, encoded("台灯 " + tag));
        assertEquals(List.of(lamp.id()), ids(zh), "a Chinese word inside a sentence");
        assertEquals("我的«台灯»坏了，订单" + tag, zh.get("items").get(0).get("snippet").asText());
        assertEquals(List.of(book.id()), ids(search(api, agent, encoded("كتاب " + tag))), "an Arabic word behind its prefixes");
        assertEquals(List.of(), ids(search(api, agent, encoded("台灯 " + tag) + "&status=resolved")), "the filters apply too");
        assertEquals(List.of(), ids(search(api, agent, encoded("台灯 " + tag + "9"))), "every term must be there");

        // Filters apply to the search: a label, a status, a date range.
        Api.expect(200, api.request("PUT", "/api/conversations/" + parcel.id() + "/labels", agent,
                "{\"labels\":[\"Shipping\",\"lyon-" + tag + "\"]}"));
        assertEquals(List.of(parcel.id()), ids(search(api, agent, tag + "&label=lyon-" + tag)));
        assertEquals(List.of(), ids(search(api, agent, "QX" + tag + "&status=resolved")));
        assertEquals(List.of(parcel.id()), ids(search(api, agent, "QX" + tag + "&status=waiting&from=2020-01-01")));
        assertEquals(List.of(), ids(search(api, agent, "QX" + tag + "&to=2020-01-01")));

        // Visitors cannot search; bad input is a clear 400.
        assertEquals(403, api.get(parcel.visitorToken(), "/api/conversations/search?q=QX" + tag).statusCode());
        for (String bad : List.of("", "%20%20", "!!!", "x".repeat(201))) {
            JsonNode error = Json.parse(Api.expect(400, api.get(agent, "/api/conversations/search?q=" + bad)).body());
            assertEquals("invalid_query", error.get("error").asText(), bad);
        }
        assertEquals("invalid_date", Json.parse(Api.expect(400,
                api.get(agent, "/api/conversations/search?q=x&from=yesterday")).body()).get("error").asText());
    }

    @Test
    void labelsHaveABudgetAreNormalisedAndNeverReachTheVisitor() {
        Api api = new Api(base);
        String agent = api.agentToken();
        Chat chat = Chat.start(base);
        chat.send(chat.visitorToken(), "v-1", "hello");
        String path = "/api/conversations/" + chat.id() + "/labels";

        JsonNode saved = Json.parse(Api.expect(200, api.request("PUT", path, agent,
                "{\"labels\":[\" VIP \",\"vip\",\"billing\",\"été_2026\"]}")).body());
        assertEquals(List.of("billing", "vip", "été_2026"), texts(saved), "trimmed, lower case, merged, sorted");
        assertEquals(List.of("billing", "vip", "été_2026"), texts(Json.parse(api.get(agent, path).body())));

        List<String> eleven = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            eleven.add("l" + i);
        }
        JsonNode tooMany = Json.parse(Api.expect(400, api.request("PUT", path, agent,
                Json.object().set("labels", Json.MAPPER.valueToTree(eleven)).toString())).body());
        assertEquals("invalid_label", tooMany.get("error").asText());
        for (String bad : List.of("\"\"", "\"a b\"", "\"<script>\"", "\"" + "x".repeat(33) + "\"")) {
            assertEquals("invalid_label", Json.parse(Api.expect(400, api.request("PUT", path, agent, "{\"labels\":[" + bad + "]}"))
                    .body()).get("error").asText(), bad);
        }
        assertEquals(List.of("billing", "vip", "été_2026"), texts(Json.parse(api.get(agent, path).body())), "a refusal changes nothing");

        // The list filters by label; the labels in use are counted.
        JsonNode page = Json.parse(api.get(agent, "/api/conversations?label=" + URLEncoder.encode("été_2026", StandardCharsets.UTF_8)).body());
        assertTrue(ids(page).contains(chat.id()));
        JsonNode inUse = Json.parse(api.get(agent, "/api/labels").body());
        assertTrue(inUse.toString().contains("\"label\":\"vip\""), inUse.toString());

        // Visitors: no labels endpoint, and no label in anything they are sent.
        assertEquals(403, api.get(chat.visitorToken(), path).statusCode());
        assertEquals(403, api.get(chat.visitorToken(), "/api/labels").statusCode());
        try (WsClient ws = WsClient.following(base, "visitor", chat.visitorToken(), chat.id(), 0)) {
            ws.awaitFrame(f -> "state".equals(f.path("type").asText()));
            Api.expect(200, api.request("PUT", path, agent, "{\"labels\":[\"angry-customer\"]}"));
            ws.awaitFrame(f -> "conversation".equals(f.path("type").asText()));
            assertFalse(ws.rawFrames().stream().anyMatch(f -> f.contains("angry") || f.contains("vip")), ws.rawFrames().toString());
        }
        String own = api.get(chat.visitorToken(), "/api/conversations/" + chat.id()).body();
        assertFalse(own.contains("angry"), own);
    }

    @Test
    void theOthersViewListsConversationsAColleagueHolds() {
        Api api = new Api(base);
        String admin = api.agentToken();
        long suffix = System.nanoTime() % 1_000_000;
        String colleague = api.newAgent(admin, "holder" + suffix, "Holder", "holder-password-1");
        Chat held = Chat.start(base);
        held.send(held.visitorToken(), "v-1", "hi");
        Api.expect(200, api.request("POST", "/api/conversations/" + held.id() + "/claim", colleague, "{}"));
        Chat mine = Chat.start(base);
        mine.send(mine.visitorToken(), "v-1", "hi");
        Api.expect(200, api.request("POST", "/api/conversations/" + mine.id() + "/claim", admin, "{}"));

        List<Long> others = ids(Json.parse(api.get(admin, "/api/conversations?status=open&assignee=others&size=100").body()));
        assertTrue(others.contains(held.id()));
        assertFalse(others.contains(mine.id()));
        assertEquals("invalid_assignee", Json.parse(Api.expect(400, api.get(admin, "/api/conversations?assignee=someone")).body())
                .get("error").asText());
    }

    private static JsonNode search(Api api, String token, String query) {
        return Json.parse(Api.expect(200, api.get(token, "/api/conversations/search?q=" + query.replace(" ", "%20")
                .replace("\"", "%22"))).body());
    }

    private static String encoded(String query) {
        return URLEncoder.encode(query, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static List<Long> ids(JsonNode page) {
        List<Long> ids = new ArrayList<>();
        page.get("items").forEach(item -> ids.add((item.has("conversation") ? item.get("conversation") : item).get("id").asLong()));
        return ids;
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(n -> texts.add(n.asText()));
        return texts;
    }
}
