package io.switchboard.security;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** Production rate limits, and short timeouts so the tests can see them act. */
public class AbuseLimitsProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.ofEntries(
                Map.entry("switchboard.limits.sends.per-second", "5"),
                Map.entry("switchboard.limits.sends.burst", "20"),
                Map.entry("switchboard.limits.control.per-second", "2"),
                Map.entry("switchboard.limits.control.burst", "20"),
                Map.entry("switchboard.limits.visitor-creation.per-second", "0.5"),
                Map.entry("switchboard.limits.visitor-creation.burst", "30"),
                Map.entry("switchboard.limits.uploads.per-second", "0.5"),
                Map.entry("switchboard.limits.uploads.burst", "20"),
                Map.entry("switchboard.limits.logins.per-second", "1"),
                Map.entry("switchboard.limits.logins.burst", "10"),
                Map.entry("switchboard.limits.login-failures-before-lockout", "5"),
                Map.entry("switchboard.limits.lockout", "30s"),
                Map.entry("switchboard.limits.connections-per-identity", "5"),
                Map.entry("switchboard.limits.idle-timeout", "3s"),
                Map.entry("switchboard.limits.violations-before-close", "10"),
                Map.entry("switchboard.limits.inbound-frames-per-second", "30"),
                Map.entry("switchboard.limits.inbound-frames-burst", "120"),
                // small enough for a test to reach with a few sockets: 4 unfinished 63 KiB frames, not 5
                Map.entry("switchboard.limits.inbound-partial-bytes-total", "262144"),
                Map.entry("switchboard.limits.partial-frame-timeout", "2s"),
                Map.entry("switchboard.attachments.concurrent-uploads-per-address", "8"));
    }
}
