package io.switchboard.support;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Signs visitor identities the way a site's backend would, written from RFC 7515/7519 with the JDK's HMAC —
 * independently of the JOSE library the service verifies with, so a shared mistake cannot pass unseen.
 */
public final class SiteIdentity {

    /** The test profile's current secret ({@code %test.switchboard.visitors.identity.secrets}, first). */
    public static final String SECRET = "test-identity-secret-current-0123456789abcdef";
    /** The second secret the test profile still accepts (rotation). */
    public static final String PREVIOUS_SECRET = "test-identity-secret-previous-0123456789abcdef";

    private SiteIdentity() {
    }

    /**
     * An identity for {@code userId}, valid for 10 minutes, signed with the current secret, with its own
     * {@code jti} (as a site signs one per page it renders).
     */
    public static String sign(String userId, String name, String email) {
        ObjectNode claims = Json.object().put("sub", userId).put("jti", UUID.randomUUID().toString())
                .put("exp", Instant.now().plusSeconds(600).getEpochSecond());
        if (name != null) {
            claims.put("name", name);
        }
        if (email != null) {
            claims.put("email", email);
        }
        return signWith(SECRET, "HS256", claims.toString());
    }

    /** Any header algorithm and claims, signed with {@code secret}: HMAC with HS384's or HS512's hash, else SHA-256. */
    public static String signWith(String secret, String alg, String claimsJson) {
        String signingInput = part("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"}") + "." + part(claimsJson);
        String mac = alg.equals("HS384") ? "HmacSHA384" : alg.equals("HS512") ? "HmacSHA512" : "HmacSHA256";
        return signingInput + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(hmac(mac, secret, signingInput));
    }

    public static String part(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] hmac(String algorithm, String secret, String input) {
        try {
            Mac mac = Mac.getInstance(algorithm);
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), algorithm));
            return mac.doFinal(input.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
