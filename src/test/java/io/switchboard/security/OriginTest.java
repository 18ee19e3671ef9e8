package io.switchboard.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.net.URI;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Api;
import io.switchboard.support.Chat;
import io.switchboard.support.WsClient;

/** The suite's allowlist is {@code http://allowed.example} (application.properties, %test). */
@QuarkusTest
class OriginTest {

    @TestHTTPResource("/")
    URI base;

    @Test
    void aWebSocketHandshakeFromAForeignOriginIsRefusedAndAnAllowedOneAccepted() {
        Api.Visitor visitor = new Api(base).newVisitor();
        assertEquals(403, WsClient.refusal(base, "visitor", visitor.token(), "http://evil.example"));
        try (WsClient allowed = WsClient.connect(base, "visitor", visitor.token(), "http://allowed.example")) {
            allowed.awaitFrame(f -> f.get("type").asText().equals("hello"));
        }
        String own = "http://" + base.getHost() + ":" + base.getPort();
        try (WsClient sameOrigin = WsClient.connect(base, "visitor", visitor.token(), own)) {
            sameOrigin.awaitFrame(f -> f.get("type").asText().equals("hello"));
        }
    }

    @Test
    void aForeignOriginCannotRideAVisitorCookieOverHttp() {
        Api.Visitor visitor = new Api(base).newVisitor();
        long conversation = new Api(base).conversation(visitor.token());
        given().cookie("sb_visitor", visitor.token()).header("Origin", "http://evil.example")
                .get("/api/conversations/{id}/messages?after=0", conversation)
                .then().statusCode(403).body("error", equalTo("origin_not_allowed"));
        given().auth().oauth2(visitor.token()).header("Origin", "http://evil.example")
                .contentType(io.restassured.http.ContentType.JSON).body("{\"text\":\"csrf\"}")
                .post("/api/conversations/{id}/messages", conversation).then().statusCode(403);
        given().cookie("sb_visitor", visitor.token()).header("Origin", "http://evil.example")
                .get("/api/conversations/{id}/events", conversation).then().statusCode(403);
        given().cookie("sb_visitor", visitor.token()).header("Origin", "http://allowed.example")
                .get("/api/conversations/{id}/messages?after=0", conversation)
                .then().statusCode(200).header("Access-Control-Allow-Origin", "http://allowed.example")
                .header("Access-Control-Allow-Credentials", "true");
    }

    @Test
    void pagesCarrySecurityHeaders() {
        given().get("/").then().statusCode(200)
                .header("Content-Security-Policy", containsString("script-src 'self'"))
                .header("Content-Security-Policy", containsString("frame-ancestors 'self'"))
                .header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "no-referrer")
                .header("Strict-Transport-Security", "max-age=31536000");
    }

    /**
     * #27: the answer that refuses a foreign origin carries the same headers as every other answer (it had none:
     * the origin check ended the request before the headers filter ran).
     */
    @Test
    void aRefusedOriginsAnswerCarriesTheSecurityHeaders() {
        given().header("Origin", "http://evil.example").get("/api/presence").then().statusCode(403)
                .body("error", equalTo("origin_not_allowed"))
                .header("Content-Security-Policy", containsString("frame-ancestors 'self'"))
                .header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "no-referrer")
                .header("Cache-Control", "no-store")
                .header("Strict-Transport-Security", "max-age=31536000");
    }

    /**
     * #27: the widget, the client library and the console have no version in their URLs, so they are never
     * cached as immutable: a browser revalidates them (304 when unchanged) and sees a deployment at once.
     */
    @Test
    void unversionedPagesAndScriptsAreRevalidatedNotImmutable() {
        for (String path : List.of("/widget.js", "/switchboard.js", "/widget.css", "/console/", "/console/console.js", "/")) {
            var answer = given().get(path).then().statusCode(200).extract();
            String caching = answer.header("Cache-Control");
            assertEquals("no-cache", caching, path);
            String lastModified = answer.header("Last-Modified");
            assertNotNull(lastModified, path + " has a validator");
            given().header("If-Modified-Since", lastModified).get(path).then().statusCode(304);
        }
    }

    @Test
    void theIframeStreamOnlyRunsItsOwnNoncedScripts() {
        Chat chat = Chat.start(base);
        try (var frame = io.switchboard.support.IframeClient.following(base, chat.visitorToken(), chat.id(), 0)) {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> frame.lastHeaders().containsKey("content-security-policy"));
            String csp = frame.lastHeaders().get("content-security-policy").get(0);
            org.junit.jupiter.api.Assertions.assertTrue(csp.contains("script-src 'nonce-") && csp.contains("default-src 'none'"),
                    csp);
        }
    }

    @Test
    void visitorCookiesAreHttpOnlyAndSameSite() {
        given().post("/api/visitors").then().statusCode(201)
                .header("Set-Cookie", containsString("HttpOnly"))
                .header("Set-Cookie", containsString("SameSite=Lax"));
    }
}
