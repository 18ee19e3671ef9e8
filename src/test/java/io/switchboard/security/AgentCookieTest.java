package io.switchboard.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.switchboard.support.Api;
import io.switchboard.support.Chat;
import io.switchboard.support.FromAddress;
import io.switchboard.support.Json;

/**
 * The console authenticates with the {@code sb_agent} cookie the login sets (HttpOnly, so page scripts cannot
 * read it; SameSite=Lax, so other sites' requests do not carry it). What stops a page elsewhere from riding it
 * (cross-site request forgery) is checked here on every kind of request: the Origin check, and JSON-only
 * bodies for what an old browser might send without an Origin.
 */
@QuarkusTest
class AgentCookieTest {

    private static final String EVIL = "http://evil.example";

    @TestHTTPResource("/")
    URI base;

    @Test
    void theLoginSetsAnHttpOnlySameSiteCookieThatAuthenticatesTheAgentAlone() {
        Agent agent = newAgent("Cleo");
        Response login = login(agent);
        String header = login.getHeaders().getValues("Set-Cookie").stream().filter(c -> c.startsWith("sb_agent=")).findFirst()
                .orElseThrow(() -> new AssertionError("no sb_agent cookie: " + login.getHeaders()));
        String lower = header.toLowerCase(Locale.ROOT);
        assertTrue(lower.contains("httponly"), header);
        assertTrue(lower.contains("samesite=lax"), header);
        assertTrue(lower.contains("path=/"), header);
        assertTrue(lower.matches(".*max-age=[1-9][0-9]*.*"), header);
        String cookie = login.getCookie("sb_agent");
        assertEquals(login.jsonPath().getString("token"), cookie, "the cookie carries the session's token");

        // The cookie alone, from the console's own origin: the agent.
        given().cookie("sb_agent", cookie).header("Origin", own()).get("/api/agents/me")
                .then().statusCode(200).body("name", equalTo("Cleo"));
        Chat chat = Chat.start(base);
        given().cookie("sb_agent", cookie).header("Origin", own()).contentType(ContentType.JSON)
                .body(Json.object().put("clientMsgId", "cookie-1").put("text", "Hello from the console").toString())
                .post("/api/conversations/{id}/messages", chat.id()).then().statusCode(201)
                .body("message.author.name", equalTo("Cleo"));
        // ...and without any Origin (not a browser): the cookie still authenticates.
        given().cookie("sb_agent", cookie).get("/api/agents/me").then().statusCode(200);
    }

    @Test
    void aPageOnAnotherSiteCannotRideTheAgentCookie() {
        Agent agent = newAgent("Dara");
        String cookie = login(agent).getCookie("sb_agent");
        Chat chat = Chat.start(base);
        String send = Json.object().put("clientMsgId", "csrf-1").put("text", "forged").toString();

        given().cookie("sb_agent", cookie).header("Origin", EVIL).get("/api/agents/me")
                .then().statusCode(403).body("error", equalTo("origin_not_allowed"));
        given().cookie("sb_agent", cookie).header("Origin", EVIL).contentType(ContentType.JSON).body(send)
                .post("/api/conversations/{id}/messages", chat.id())
                .then().statusCode(403).body("error", equalTo("origin_not_allowed"));
        given().cookie("sb_agent", cookie).header("Origin", EVIL).contentType(ContentType.JSON).body("{\"status\":\"resolved\"}")
                .post("/api/conversations/{id}/status", chat.id())
                .then().statusCode(403).body("error", equalTo("origin_not_allowed"));
        given().cookie("sb_agent", cookie).header("Origin", EVIL).contentType(ContentType.JSON).body("{\"labels\":[\"x\"]}")
                .put("/api/conversations/{id}/labels", chat.id())
                .then().statusCode(403).body("error", equalTo("origin_not_allowed"));
        given().cookie("sb_agent", cookie).header("Origin", EVIL).post("/api/agents/logout")
                .then().statusCode(403).body("error", equalTo("origin_not_allowed"));
        // The WebSocket handshake: browsers always send Origin on it.
        FromAddress.Answer handshake = FromAddress.request(base, "127.0.0.1", "GET", "/ws/agent",
                Map.of("Cookie", "sb_agent=" + cookie, "Origin", EVIL, "Upgrade", "websocket", "Connection", "Upgrade",
                        "Sec-WebSocket-Key", "c3dpdGNoYm9hcmQtdGVzdA==", "Sec-WebSocket-Version", "13"), null);
        assertEquals(403, handshake.status(), handshake.body());

        // An old browser's cross-site form sends no Origin, and cannot send JSON: a form body is refused whole.
        for (String type : List.of("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x")) {
            FromAddress.Answer form = FromAddress.request(base, "127.0.0.1", "POST", "/api/conversations/" + chat.id() + "/messages",
                    Map.of("Cookie", "sb_agent=" + cookie, "Content-Type", type), send);
            assertEquals(415, form.status(), type + ": " + form.body());
            assertEquals("unsupported_media_type", Json.parse(form.body()).get("error").asText(), type);
        }
        assertEquals(0, chat.messages().size(), "nothing forged was stored");
        // The session is still good: nothing above logged the agent out.
        given().cookie("sb_agent", cookie).get("/api/agents/me").then().statusCode(200);
        // A page on an allowed origin may use it (CORS with credentials).
        given().cookie("sb_agent", cookie).header("Origin", "http://allowed.example").get("/api/agents/me")
                .then().statusCode(200).header("Access-Control-Allow-Origin", "http://allowed.example")
                .header("Access-Control-Allow-Credentials", "true");
    }

    @Test
    void logoutByCookieClearsTheCookieAndRevokesItsToken() {
        Agent agent = newAgent("Esme");
        String cookie = login(agent).getCookie("sb_agent");
        Response logout = given().cookie("sb_agent", cookie).header("Origin", own()).post("/api/agents/logout");
        assertEquals(204, logout.statusCode());
        String cleared = logout.getHeaders().getValues("Set-Cookie").stream().filter(c -> c.startsWith("sb_agent=")).findFirst()
                .orElseThrow(() -> new AssertionError("the cookie is not cleared: " + logout.getHeaders()));
        assertTrue(cleared.toLowerCase(Locale.ROOT).contains("max-age=0"), cleared);
        given().cookie("sb_agent", cookie).get("/api/agents/me").then().statusCode(401).body("error", equalTo("unauthorized"))
                .header("WWW-Authenticate", notNullValue());
    }

    private record Agent(String username, String password) {
    }

    private Agent newAgent(String name) {
        Api api = new Api(base);
        Agent agent = new Agent(name.toLowerCase(Locale.ROOT) + "-" + System.nanoTime(), "cookie-password-" + name);
        Api.expect(201, api.request("POST", "/api/agents", api.agentToken(), Json.object().put("username", agent.username())
                .put("name", name).put("password", agent.password()).toString()));
        return agent;
    }

    private static Response login(Agent agent) {
        Response login = given().contentType(ContentType.JSON)
                .body(Json.object().put("username", agent.username()).put("password", agent.password()).toString())
                .post("/api/agents/login");
        assertEquals(200, login.statusCode(), login.asString());
        return login;
    }

    /** The service's own origin, as the console served from it sends. */
    private String own() {
        return "http://" + base.getHost() + ":" + base.getPort();
    }
}
