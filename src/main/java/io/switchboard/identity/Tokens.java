package io.switchboard.identity;

import java.security.SecureRandom;
import java.util.Base64;

import io.switchboard.api.Sha256;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Bearer tokens: 256 random bits, prefixed by the kind of caller ({@code v_} visitor, {@code a_} agent)
 * so one header can carry either. The store keeps only their SHA-256.
 */
@ApplicationScoped
public class Tokens {

    public static final String VISITOR_PREFIX = "v_";
    public static final String AGENT_PREFIX = "a_";

    private final SecureRandom random = new SecureRandom();

    public String newVisitorToken() {
        return VISITOR_PREFIX + randomPart();
    }

    public String newAgentToken() {
        return AGENT_PREFIX + randomPart();
    }

    private String randomPart() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    public static String hash(String token) {
        return Sha256.hex(token);
    }

    /** Cheap shape check before any database look-up: prefix plus 43 base64url characters. */
    public static boolean wellFormed(String token) {
        return token != null && token.length() == 45
                && (token.startsWith(VISITOR_PREFIX) || token.startsWith(AGENT_PREFIX))
                && token.substring(2).chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '-' || c == '_');
    }
}
