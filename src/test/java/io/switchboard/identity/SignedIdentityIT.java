package io.switchboard.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.switchboard.support.Api;
import io.switchboard.support.Json;
import io.switchboard.support.SiteIdentity;

/**
 * Signed identities in the packaged application — the jar, and the native executable with -Dnative, where the
 * JOSE library parses and verifies compiled ahead of time.
 */
@QuarkusIntegrationTest
class SignedIdentityIT {

    @TestHTTPResource("/")
    URI base;

    @Test
    void signInOnTwoDevicesMergeAndRefuseAForgery() {
        Api api = new Api(base);
        String user = "user-" + UUID.randomUUID();
        String identity = Json.object().put("identity", SiteIdentity.sign(user, "Ngozi", "ngozi@example.com")).toString();
        JsonNode laptop = Json.parse(Api.expect(201, api.request("POST", "/api/visitors", null, identity)).body());
        // Each device's page has its own signed identity (one identity token is one device).
        JsonNode phone = Json.parse(Api.expect(200, api.request("POST", "/api/visitors", null,
                Json.object().put("identity", SiteIdentity.sign(user, "Ngozi", "ngozi@example.com")).toString())).body());
        long visitor = laptop.get("visitor").get("id").asLong();
        assertEquals(visitor, phone.get("visitor").get("id").asLong());

        Api.Visitor anonymous = api.newVisitor();
        long conversation = api.conversation(anonymous.token());
        api.sendOk(anonymous.token(), conversation, "a-1", "before signing in");
        JsonNode merged = Json.parse(Api.expect(200, api.request("PUT", "/api/visitors/me/identity", anonymous.token(),
                Json.object().put("identity", SiteIdentity.sign(user, "Ngozi", "ngozi@example.com")).toString())).body());
        assertEquals(visitor, merged.get("visitor").get("id").asLong());
        assertEquals(conversation, api.conversation(phone.get("token").asText()));
        assertEquals(conversation, api.conversation(merged.get("token").asText()), "the device's new token");
        assertEquals(401, api.get(anonymous.token(), "/api/visitors/me").statusCode(), "the anonymous token ended");

        String forged = SiteIdentity.signWith("not-the-sites-secret-0123456789-0123456789", "HS256",
                Json.object().put("sub", user).put("exp", System.currentTimeMillis() / 1000 + 600).toString());
        assertEquals(401, api.request("POST", "/api/visitors", null, Json.object().put("identity", forged).toString()).statusCode());
    }
}
