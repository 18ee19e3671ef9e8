package io.switchboard.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * #27: a secret must be at least as long as the algorithm's hash (RFC 7518 §3.2), checked when the service starts
 * with a message that names the algorithm, the secret and both lengths. (An HS384 identity under a 43-byte secret,
 * documented as valid, was refused at every sign-in as "signature does not match".)
 */
class IdentitySecretsTest {

    private static final String BYTES_43 = "x".repeat(43);

    @Test
    void eachSecretIsAtLeastAsLongAsTheAlgorithmsHash() {
        assertEquals(1, SignedIdentities.verifiers(List.of("x".repeat(32)), "HS256").size());
        assertEquals(2, SignedIdentities.verifiers(List.of("x".repeat(48), "y".repeat(60)), "HS384").size());
        assertEquals(1, SignedIdentities.verifiers(List.of("x".repeat(64)), "hs512").size());

        IllegalStateException hs384 = assertThrows(IllegalStateException.class,
                () -> SignedIdentities.verifiers(List.of("x".repeat(48), BYTES_43), "HS384"));
        assertTrue(hs384.getMessage().contains("HS384") && hs384.getMessage().contains("48 bytes")
                && hs384.getMessage().contains("secret #2 has 43"), hs384.getMessage());
        IllegalStateException hs512 = assertThrows(IllegalStateException.class,
                () -> SignedIdentities.verifiers(List.of(BYTES_43), "HS512"));
        assertTrue(hs512.getMessage().contains("64 bytes"), hs512.getMessage());
        IllegalStateException hs256 = assertThrows(IllegalStateException.class,
                () -> SignedIdentities.verifiers(List.of("x".repeat(31)), "HS256"));
        assertTrue(hs256.getMessage().contains("32 bytes"), hs256.getMessage());
    }

    @Test
    void onlyAnHmacAlgorithmCanBeConfigured() {
        for (String algorithm : List.of("RS256", "none", "ES256", "HS1")) {
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> SignedIdentities.verifiers(List.of("x".repeat(64)), algorithm), algorithm);
            assertTrue(refused.getMessage().contains("switchboard.visitors.identity.algorithm"), refused.getMessage());
        }
    }
}
