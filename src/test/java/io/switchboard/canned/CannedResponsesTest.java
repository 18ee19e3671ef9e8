package io.switchboard.canned;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.switchboard.support.Api;
import io.switchboard.support.Json;

/** Canned responses over REST (#14): who sees and manages which, shortcuts, and the budgets under a flood. */
@QuarkusTest
@TestProfile(CannedResponsesTest.SmallBudgets.class)
class CannedResponsesTest {

    /** Budgets small enough to exceed in a test; the defaults are 500 shared and 100 per agent. */
    public static class SmallBudgets implements QuarkusTestProfile {
        @Override
        public java.util.Map<String, String> getConfigOverrides() {
            return java.util.Map.of("switchboard.canned.max-shared", "5", "switchboard.canned.max-personal", "3");
        }
    }

    @TestHTTPResource("/")
    URI base;

    @Test
    void agentsSeeTheTeamsAndTheirOwnAndManageOnlyWhatIsTheirs() {
        Api api = new Api(base);
        String admin = api.agentToken();
        long n = System.nanoTime() % 1_000_000;
        String ana = api.newAgent(admin, "ana" + n, "Ana", "ana-password-123");
        String ben = api.newAgent(admin, "ben" + n, "Ben", "ben-password-123");

        JsonNode shared = create(api, admin, "/Hello" + n, "Hi {{visitor.name}}, this is {{agent.name}}.", "shared", 201);
        assertEquals("hello" + n, shared.get("shortcut").asText(), "leading / dropped, lower case");
        assertEquals("shared", shared.get("scope").asText());
        JsonNode anas = create(api, ana, "hello" + n, "Ana's own hello", "personal", 201); // may shadow the team's
        assertEquals("forbidden", error(api.request("POST", "/api/canned-responses", ana,
                body("team" + n, "x", "shared")), 403));

        List<String> anaSees = shortcuts(api, ana);
        assertEquals(2, anaSees.stream().filter(s -> s.equals("hello" + n)).count(), "the team's and her own: " + anaSees);
        assertFalse(texts(api, ben).contains("Ana's own hello"), "Ben never sees Ana's own");

        // Ben cannot change or delete Ana's (not found, not forbidden: he learns nothing of it), nor the team's.
        assertEquals("canned_response_not_found", error(api.request("PUT", "/api/canned-responses/" + anas.get("id").asLong(), ben,
                body(null, "mine now", null)), 404));
        assertEquals("canned_response_not_found", error(api.request("DELETE", "/api/canned-responses/" + anas.get("id").asLong(), ben, null), 404));
        assertEquals("forbidden", error(api.request("DELETE", "/api/canned-responses/" + shared.get("id").asLong(), ben, null), 403));

        // Bad input, each a clear error.
        assertEquals("invalid_shortcut", error(api.request("POST", "/api/canned-responses", ana, body("two words", "x", null)), 400));
        assertEquals("invalid_shortcut", error(api.request("POST", "/api/canned-responses", ana, body("x".repeat(33), "x", null)), 400));
        assertEquals("empty_text", error(api.request("POST", "/api/canned-responses", ana, body("blank" + n, "   ", null)), 400));
        assertEquals("text_too_long", error(api.request("POST", "/api/canned-responses", ana, body("long" + n, "x".repeat(4001), null)), 400));
        assertEquals("shortcut_taken", error(api.request("POST", "/api/canned-responses", ana, body("hello" + n, "again", null)), 409));

        // Edit and delete her own.
        JsonNode edited = Json.parse(Api.expect(200, api.request("PUT", "/api/canned-responses/" + anas.get("id").asLong(), ana,
                body("hi" + n, null, null))).body());
        assertEquals("hi" + n, edited.get("shortcut").asText());
        assertEquals("Ana's own hello", edited.get("text").asText());
        Api.expect(204, api.request("DELETE", "/api/canned-responses/" + anas.get("id").asLong(), ana, null));
        assertFalse(texts(api, ana).contains("Ana's own hello"));
        assertEquals(403, api.get(api.newVisitor().token(), "/api/canned-responses").statusCode(), "visitors have none");
    }

    /** Twenty concurrent creations against a budget of three: exactly three are stored, the rest refused. */
    @Test
    void thePersonalBudgetHoldsUnderConcurrentCreation() throws Exception {
        Api api = new Api(base);
        long n = System.nanoTime() % 1_000_000;
        String flooder = api.newAgent(api.agentToken(), "flood" + n, "Flood", "flood-password-123");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<CompletableFuture<HttpResponse<String>>> tries = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String shortcut = "f" + i;
                tries.add(CompletableFuture.supplyAsync(
                        () -> api.request("POST", "/api/canned-responses", flooder, body(shortcut, "text " + shortcut, null)), pool));
            }
            long created = 0;
            for (CompletableFuture<HttpResponse<String>> t : tries) {
                HttpResponse<String> r = t.get();
                if (r.statusCode() == 201) {
                    created++;
                } else {
                    assertEquals("too_many_canned_responses", error(r, 409));
                }
            }
            assertEquals(3, created);
            assertEquals(3, shortcuts(api, flooder).stream().filter(s -> s.matches("f\\d+")).count());
        } finally {
            pool.shutdownNow();
        }
    }

    private static JsonNode create(Api api, String token, String shortcut, String text, String scope, int status) {
        return Json.parse(Api.expect(status, api.request("POST", "/api/canned-responses", token, body(shortcut, text, scope))).body());
    }

    private static String body(String shortcut, String text, String scope) {
        var body = Json.object();
        if (shortcut != null) {
            body.put("shortcut", shortcut);
        }
        if (text != null) {
            body.put("text", text);
        }
        if (scope != null) {
            body.put("scope", scope);
        }
        return body.toString();
    }

    private static String error(HttpResponse<String> response, int status) {
        assertEquals(status, response.statusCode(), response.body());
        return Json.parse(response.body()).get("error").asText();
    }

    private static List<String> shortcuts(Api api, String token) {
        List<String> all = new ArrayList<>();
        Json.parse(Api.expect(200, api.get(token, "/api/canned-responses")).body()).forEach(c -> all.add(c.get("shortcut").asText()));
        return all;
    }

    private static List<String> texts(Api api, String token) {
        List<String> all = new ArrayList<>();
        Json.parse(Api.expect(200, api.get(token, "/api/canned-responses")).body()).forEach(c -> all.add(c.get("text").asText()));
        return all;
    }
}
