package io.switchboard.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Api;
import io.switchboard.support.Chat;
import io.switchboard.support.Json;

/** The visitor context panel's data (#14): what the widget reports, what agents read and correct, and bad input. */
@QuarkusTest
class VisitorContextTest {

    @TestHTTPResource("/")
    URI base;

    @Test
    void theWidgetReportsWhereTheVisitorIsAndAgentsReadAndCorrectIt() throws Exception {
        Chat chat = Chat.start(base);
        Api api = chat.api();
        String agent = api.agentToken();
        String ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        HttpResponse<String> reported = HttpClient.newHttpClient().send(HttpRequest.newBuilder(base.resolve("/api/visitors/me/context"))
                .header("Authorization", "Bearer " + chat.visitorToken()).header("Content-Type", "application/json")
                .header("User-Agent", ua)
                .PUT(HttpRequest.BodyPublishers.ofString(Json.object().put("url", "https://shop.example/cart?step=2")
                        .put("title", "Your cart — " + "x".repeat(400)).put("referrer", "https://www.search.example/?q=lamps")
                        .put("language", "fr-CA").put("timeZone", "America/Montreal").toString()))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(204, reported.statusCode(), reported.body());

        JsonNode profile = Json.parse(Api.expect(200, api.get(agent, "/api/visitors/" + chat.visitor().id())).body());
        assertEquals("https://shop.example/cart?step=2", profile.get("page").get("url").asText());
        assertEquals(300, profile.get("page").get("title").asText().length(), "a long title is cut, not refused");
        assertEquals("https://www.search.example/?q=lamps", profile.get("referrer").asText());
        assertEquals(ua, profile.get("userAgent").asText());
        assertEquals("fr-CA", profile.get("language").asText());
        assertEquals("America/Montreal", profile.get("timeZone").asText());
        assertTrue(profile.hasNonNull("firstSeen") && profile.hasNonNull("lastSeen"));

        // Bad input: a clear 400, and nothing changes.
        for (String bad : List.of("{\"url\":\"javascript:alert(1)\"}", "{\"url\":\"/relative\"}", "{\"referrer\":\"ftp://x.example/\"}",
                "{\"language\":\"not a tag!\"}", "{\"timeZone\":\"Mars/Olympus\"}", "{\"title\":\"a\\u0000b\"}")) {
            HttpResponse<String> r = api.request("PUT", "/api/visitors/me/context", chat.visitorToken(), bad);
            assertEquals(400, r.statusCode(), bad + " " + r.body());
            assertEquals("invalid_context", Json.parse(r.body()).get("error").asText(), bad);
        }
        assertEquals("https://shop.example/cart?step=2",
                Json.parse(api.get(agent, "/api/visitors/" + chat.visitor().id()).body()).get("page").get("url").asText());

        // Only agents read a visitor's context, and correct a name or e-mail (with the visitor's own rules).
        assertEquals(403, api.get(chat.visitorToken(), "/api/visitors/" + chat.visitor().id()).statusCode());
        JsonNode corrected = Json.parse(Api.expect(200, api.request("PATCH", "/api/visitors/" + chat.visitor().id(), agent,
                Json.object().put("name", "Élodie Tremblay").put("email", "elodie@example.ca").toString())).body());
        assertEquals("Élodie Tremblay", corrected.get("name").asText());
        assertEquals("invalid_email", Json.parse(Api.expect(400, api.request("PATCH", "/api/visitors/" + chat.visitor().id(), agent,
                Json.object().put("email", "not-an-address").toString())).body()).get("error").asText());
        assertEquals(403, api.request("PATCH", "/api/visitors/" + chat.visitor().id(), chat.visitorToken(), "{\"name\":\"x\"}").statusCode());
        assertEquals("visitor_not_found", Json.parse(Api.expect(404, api.request("PATCH", "/api/visitors/999999999", agent,
                "{\"name\":\"x\"}")).body()).get("error").asText());

        // A rename and a context report at the same moment: neither undoes the other (a browser test found
        // the widget's first report writing the visitor's old generated name back over the offline form's).
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 20; i++) {
                String wanted = "Renamed " + i;
                String page = "https://shop.example/page/" + i;
                var rename = java.util.concurrent.CompletableFuture.supplyAsync(() -> api.request("PATCH", "/api/visitors/me",
                        chat.visitorToken(), Json.object().put("name", wanted).toString()), pool);
                var report = java.util.concurrent.CompletableFuture.supplyAsync(() -> api.request("PUT", "/api/visitors/me/context",
                        chat.visitorToken(), Json.object().put("url", page).toString()), pool);
                assertEquals(200, rename.get().statusCode());
                int answered = report.get().statusCode();
                assertTrue(answered == 204 || answered == 429, "context report: " + answered);
                JsonNode now = Json.parse(api.get(agent, "/api/visitors/" + chat.visitor().id()).body());
                assertEquals(wanted, now.get("name").asText(), "round " + i);
                if (answered == 204) {
                    assertEquals(page, now.get("page").get("url").asText(), "round " + i);
                }
            }
        } finally {
            pool.shutdownNow();
        }

        // One visitor's conversations, for the "previous conversations" list.
        chat.send(chat.visitorToken(), "v-1", "first question");
        Api.expect(200, api.request("POST", "/api/conversations/" + chat.id() + "/status", agent, "{\"status\":\"resolved\"}"));
        long second = api.conversation(chat.visitorToken());
        List<Long> ids = new ArrayList<>();
        Json.parse(api.get(agent, "/api/conversations?visitor=" + chat.visitor().id()).body()).get("items")
                .forEach(c -> ids.add(c.get("id").asLong()));
        assertEquals(List.of(second, chat.id()), ids);
    }
}
