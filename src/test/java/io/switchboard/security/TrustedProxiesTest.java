package io.switchboard.security;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.switchboard.support.FromAddress;

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

    /** POST /api/visitors from {@code source}, claiming {@code forwardedFor}. */
    private int createVisitor(String source, String forwardedFor) {
        return FromAddress.request(base, source, "POST", "/api/visitors", Map.of("X-Forwarded-For", forwardedFor), null).status();
    }
}
