package io.switchboard.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.switchboard.support.Api;
import io.switchboard.support.Json;
import io.switchboard.support.SiteIdentity;

/** A site that requires its visitors to be signed in: no anonymous visitor is made, by any door. */
@QuarkusTest
@TestProfile(RequiredIdentityTest.Required.class)
class RequiredIdentityTest {

    public static class Required implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("switchboard.visitors.identity.required", "true");
        }
    }

    @TestHTTPResource("/")
    URI base;

    @Test
    void onlySignedInVisitorsMayChat() {
        Api api = new Api(base);
        for (HttpResponse<String> refused : List.of(
                api.request("POST", "/api/visitors", null, null),
                api.request("POST", "/api/visitors", null, "{\"name\":\"Anon\"}"),
                api.request("POST", "/api/conversations", null, null))) {
            assertEquals(401, refused.statusCode(), refused.body());
            assertEquals("invalid_identity", Json.parse(refused.body()).get("error").asText());
        }
        String token = Json.parse(Api.expect(201, api.request("POST", "/api/visitors", null,
                Json.object().put("identity", SiteIdentity.sign("user-" + UUID.randomUUID(), "Kim", null)).toString())).body())
                .get("token").asText();
        long conversation = api.conversation(token);
        api.sendOk(token, conversation, "k-1", "Signed in, so I can write");
    }
}
