package io.switchboard.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Api;
import io.switchboard.support.Chat;
import io.switchboard.support.Json;

/**
 * The error codes no other test provokes, each by a real request, asserted by name with its status: every
 * code in {@link ErrorCode} is asserted by name somewhere in the suite ({@code ErrorCatalogueTest} checks
 * that), so a code that stops being sent, or comes with another status, fails a test.
 */
@QuarkusTest
class ErrorCodesProvokedTest {

    @TestHTTPResource("/")
    URI base;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void queryParametersOutOfRangeAreNamed() {
        Chat chat = Chat.start(base);
        String agent = chat.api().agentToken();
        String messages = "/api/conversations/" + chat.id() + "/messages";
        assertError(400, "invalid_limit", chat.api().get(chat.visitorToken(), messages + "?after=0&limit=0"));
        assertError(400, "invalid_limit", chat.api().get(chat.visitorToken(), messages + "?limit=many"));
        assertError(400, "invalid_wait", chat.api().get(chat.visitorToken(), messages + "?after=0&wait=soon"));
        assertError(400, "invalid_wait", chat.api().get(chat.visitorToken(), messages + "?before=5&wait=1s"));
        assertError(400, "invalid_page", chat.api().get(agent, "/api/conversations?page=-1"));
        assertError(400, "invalid_size", chat.api().get(agent, "/api/conversations?size=1000"));
        assertError(400, "invalid_size", chat.api().get(agent, "/api/conversations/search?q=lamp&size=0"));
    }

    @Test
    void agentAccountsAndLoginsNameWhatIsMissingOrTaken() throws Exception {
        Api api = new Api(base);
        String admin = api.agentToken();
        assertError(400, "missing_credentials", api.request("POST", "/api/agents/login", null, "{\"username\":\"admin\"}"));
        assertError(400, "missing_credentials", api.request("POST", "/api/agents/login", null, "{\"password\":\"x\"}"));
        assertError(400, "missing_body", send(HttpRequest.newBuilder(base.resolve("/api/agents")).header("Authorization", "Bearer " + admin)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.noBody())));
        assertError(400, "invalid_username", api.request("POST", "/api/agents", admin,
                agent("No Spaces!", "a-long-enough-password")));
        String username = "taken-" + System.nanoTime();
        Api.expect(201, api.request("POST", "/api/agents", admin, agent(username, "a-long-enough-password")));
        assertError(409, "username_taken", api.request("POST", "/api/agents", admin, agent(username, "another-long-password")));
    }

    @Test
    void aConversationTakenByOneAgentIsAlreadyClaimedForAnother() {
        Chat chat = Chat.start(base);
        Api api = chat.api();
        String admin = api.agentToken();
        String first = api.newAgent(admin, "claim-a-" + System.nanoTime(), "Ana", "claim-password-1");
        String second = api.newAgent(admin, "claim-b-" + System.nanoTime(), "Ben", "claim-password-2");
        Api.expect(200, api.request("POST", "/api/conversations/" + chat.id() + "/claim", first, "{}"));
        assertError(409, "already_claimed", api.request("POST", "/api/conversations/" + chat.id() + "/claim", second, "{}"));
    }

    @Test
    void aSendWithABadClientMsgIdOrAttachmentListIsRefusedBeforeAnythingIsStored() {
        Chat chat = Chat.start(base);
        assertError(400, "invalid_client_msg_id", chat.api().send(chat.visitorToken(), chat.id(), "has spaces in it", "hello"));
        assertError(400, "invalid_client_msg_id", chat.api().send(chat.visitorToken(), chat.id(), "x".repeat(65), "hello"));
        String twice = UUID.randomUUID().toString();
        assertError(400, "invalid_attachments", chat.api().send(chat.visitorToken(), chat.id(), "dup-1", "see files",
                java.util.List.of(twice, twice)));
        assertEquals(0, chat.messages().size(), "nothing was stored");
    }

    @Test
    void uploadsAndDownloadsNameWhatIsWrongWithTheRequest() throws Exception {
        Chat chat = Chat.start(base);
        assertError(400, "invalid_idempotency_key", chat.api().upload(chat.visitorToken(), chat.id(), "a.txt",
                "text".getBytes(StandardCharsets.UTF_8), "Idempotency-Key", "not a valid key!"));
        JsonNode uploaded = Json.parse(Api.expect(201, chat.api().upload(chat.visitorToken(), chat.id(), "a.txt",
                "twelve bytes".getBytes(StandardCharsets.UTF_8))).body());
        String url = uploaded.get("url").asText();
        HttpResponse<byte[]> range = chat.api().download(chat.visitorToken(), url, "Range", "bytes=100-200");
        assertEquals(416, range.statusCode());
        assertEquals("range_not_satisfiable", Json.parse(new String(range.body(), StandardCharsets.UTF_8)).get("error").asText());
        assertEquals("bytes */12", range.headers().firstValue("Content-Range").orElse(""));
        HttpResponse<byte[]> badLink = chat.api().download(null, url + "?exp=" + (System.currentTimeMillis() / 1000 + 60) + "&sig=AAAA");
        assertEquals(403, badLink.statusCode());
        assertEquals("invalid_link", Json.parse(new String(badLink.body(), StandardCharsets.UTF_8)).get("error").asText());
    }

    @Test
    void theFrameworksOwnRefusalsComeWithTheirCodes() throws Exception {
        Api api = new Api(base);
        String admin = api.agentToken();
        assertError(404, "not_found", api.get(admin, "/api/no-such-resource"));
        assertError(404, "webhook_not_found", api.get(admin, "/api/webhooks/987654321"));
        assertError(405, "method_not_allowed", api.request("DELETE", "/api/agents/login", null, null));
        assertError(406, "not_acceptable", send(HttpRequest.newBuilder(base.resolve("/api/conversations"))
                .header("Authorization", "Bearer " + admin).header("Accept", "application/xml").GET()));
        // A Content-Type that is not a media type: the request cannot be read.
        assertError(400, "bad_request", send(HttpRequest.newBuilder(base.resolve("/api/agents/login"))
                .header("Content-Type", "application/").POST(HttpRequest.BodyPublishers.ofString("{}"))));
        assertError(415, "unsupported_media_type", send(HttpRequest.newBuilder(base.resolve("/api/agents/login"))
                .header("Content-Type", "application/xml")
                .POST(HttpRequest.BodyPublishers.ofString("<login><username>admin</username></login>"))));
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String agent(String username, String password) {
        ObjectNode body = Json.object().put("username", username).put("name", "Agent " + username).put("password", password);
        return body.toString();
    }

    /** The status, and the error body naming the code (a problem record: error and message). */
    static void assertError(int status, String code, HttpResponse<String> response) {
        assertEquals(status, response.statusCode(), code + ": " + response.body());
        JsonNode body = Json.parse(response.body());
        assertEquals(code, body.path("error").asText(), response.body());
        assertEquals(false, body.path("message").asText().isBlank(), "a message for people: " + response.body());
    }
}
