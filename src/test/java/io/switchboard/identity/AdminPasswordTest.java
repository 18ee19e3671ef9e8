package io.switchboard.identity;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class AdminPasswordTest {

    @Test
    void placeholdersShortAndTrivialPasswordsAreRefused() {
        for (String weak : List.of("change-me-admin-password", "CHANGEME-please-now", "replace-me-before-prod",
                "short", "Tr0ub4dor&3", "aaaaaaaaaaaaaaaa", "password1234", "   change_me   xyz")) {
            assertTrue(AdminPassword.weakness(weak).isPresent(), weak);
        }
        for (String fine : List.of("correct horse battery staple", "test-admin-password", "switchboard-demo",
                "Ωμέγα-κωδικός-2026")) {
            assertTrue(AdminPassword.weakness(fine).isEmpty(), fine + ": " + AdminPassword.weakness(fine));
        }
    }
}
