package io.switchboard.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The Standard Webhooks signature (standardwebhooks.com): secrets are {@code whsec_} and base64 of 32 random
 * bytes; {@code webhook-signature} is {@code v1,} and base64 of HMAC-SHA256 under the secret's bytes over
 * {@code <webhook-id>.<webhook-timestamp>.<body>}, one per active secret, separated by spaces.
 */
final class Signatures {

    static final String PREFIX = "whsec_";

    private Signatures() {
    }

    /** {@code random}: the caller's (a bean's, made at run time: a static one would be frozen into a native image). */
    static String newSecret(SecureRandom random) {
        byte[] key = new byte[32];
        random.nextBytes(key);
        return PREFIX + Base64.getEncoder().encodeToString(key);
    }

    static String header(List<String> secrets, String id, long timestamp, String body) {
        String signed = id + "." + timestamp + "." + body;
        return secrets.stream().map(s -> "v1," + Base64.getEncoder().encodeToString(hmac(s, signed)))
                .collect(Collectors.joining(" "));
    }

    private static byte[] hmac(String secret, String content) {
        byte[] key = Base64.getDecoder().decode(secret.substring(PREFIX.length()));
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(content.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
