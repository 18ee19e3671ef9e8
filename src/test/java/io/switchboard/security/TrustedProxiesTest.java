package io.switchboard.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.switchboard.support.FromAddress;
import io.switchboard.support.TestLogs;

/**
 * Forwarding headers are believed only from the configured proxies, as the Kubernetes configuration sets
 * them up: a client that writes its own {@code X-Forwarded-For} cannot rotate its way past the per-address
 * limits. The limit observed here is anonymous visitor creation (2 per address, no refill).
 */
@QuarkusTest
@TestProfile(TrustedProxiesTest.Profile.class)
class TrustedProxiesTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.http.proxy.proxy-address-forwarding", "true",
                    "quarkus.http.proxy.allow-x-forwarded", "true",
                    "quarkus.http.proxy.trusted-proxies", "127.0.0.2",
                    "switchboard.limits.visitor-creation.per-second", "0.0001",
                    "switchboard.limits.visitor-creation.burst", "2");
        }
    }

    @TestHTTPResource("/")
    URI base;

    @Test
    void aClientCannotRotateItsOwnForwardedForPastTheLimit() {
        assertEquals(201, createVisitor("127.0.0.3", "198.51.100.1"));
        assertEquals(201, createVisitor("127.0.0.3", "198.51.100.2"));
        assertEquals(429, createVisitor("127.0.0.3", "198.51.100.3"), "the header of an untrusted peer is ignored");
    }

    @Test
    void theTrustedProxyTellsTheRealClientApart() {
        for (int i = 1; i <= 5; i++) {
            assertEquals(201, createVisitor("127.0.0.2", "203.0.113." + i), "client " + i + " behind the proxy");
        }
        // Behind the proxy, one client is still limited as itself.
        assertEquals(201, createVisitor("127.0.0.2", "203.0.113.100"));
        assertEquals(201, createVisitor("127.0.0.2", "203.0.113.100"));
        assertEquals(429, createVisitor("127.0.0.2", "203.0.113.100"));
    }

    /**
     * #27: a forwarded-for element that is not an address (from the trusted proxy, or anything it passes on) is
     * a 400 with the catalogue's body, logged without a stack trace (it was a 500 with a stack at ERROR).
     */
    @Test
    void aForwardedForThatIsNotAnAddressIsABadRequest() {
        int mark = TestLogs.mark();
        for (String forwarded : List.of("not-an-address", "unknown", "_hidden", "[::1", "999.1.1.1")) {
            FromAddress.Answer answer = FromAddress.request(base, "127.0.0.2", "POST", "/api/visitors",
                    Map.of("X-Forwarded-For", forwarded), null);
            assertEquals(400, answer.status(), forwarded + ": " + answer.body());
            assertTrue(answer.body().contains("\"error\":\"bad_request\""), forwarded + ": " + answer.body());
        }
        // From a source that is not a trusted proxy the header is not read at all.
        assertEquals(201, FromAddress.request(base, "127.0.0.4", "POST", "/api/visitors",
                Map.of("X-Forwarded-For", "not-an-address"), null).status());
        TestLogs.assertNoErrorSince(mark, "a forwarded-for that is not an address");
    }

    /** POST /api/visitors from {@code source}, claiming {@code forwardedFor}. */
    private int createVisitor(String source, String forwardedFor) {
        return FromAddress.request(base, source, "POST", "/api/visitors", Map.of("X-Forwarded-For", forwardedFor), null).status();
    }
}
