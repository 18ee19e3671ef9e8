package io.switchboard.attachment;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Short-lived links to one attachment for clients that cannot send credentials (an {@code img} on another
 * origin, a mobile image loader): {@code /api/attachments/{id}?exp={epoch seconds}&sig={HMAC-SHA256 of
 * "id.exp"}}. The key is made once, by the first replica to start, and kept in PostgreSQL, so every replica
 * checks every link and no operator has to hand one out. A link is bound to its attachment and expires.
 */
@ApplicationScoped
class LinkSigner {

    private static final String KEY_NAME = "attachments";
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    @Inject
    Pool pool;

    private volatile byte[] secret;

    /** The query string ({@code exp=…&sig=…}) of a link to {@code id} that works until {@code expires}. */
    Uni<String> sign(UUID id, Instant expires) {
        long exp = expires.getEpochSecond();
        return key().map(k -> "exp=" + exp + "&sig=" + B64.encodeToString(mac(k, id, exp)));
    }

    /** Whether {@code sig} is this service's signature of {@code id} until {@code exp}, and it has not expired. */
    Uni<Boolean> valid(UUID id, String exp, String sig, Instant now) {
        long expires;
        byte[] given;
        try {
            expires = Long.parseLong(exp);
            given = Base64.getUrlDecoder().decode(sig);
        } catch (IllegalArgumentException | NullPointerException e) {
            return Uni.createFrom().item(false);
        }
        if (expires < now.getEpochSecond()) {
            return Uni.createFrom().item(false);
        }
        return key().map(k -> MessageDigest.isEqual(mac(k, id, expires), given));
    }

    /** The key, read once (a failed read is tried again on the next link, not remembered). */
    private Uni<byte[]> key() {
        byte[] known = secret;
        return known != null ? Uni.createFrom().item(known) : loadKey().invoke(k -> secret = k);
    }

    private Uni<byte[]> loadKey() {
        byte[] fresh = new byte[32];
        new SecureRandom().nextBytes(fresh);
        return pool.preparedQuery("insert into signing_key (name, secret) values ($1, $2) on conflict (name) do nothing")
                .execute(Tuple.of(KEY_NAME, Buffer.buffer(fresh)))
                .chain(() -> pool.preparedQuery("select secret from signing_key where name = $1").execute(Tuple.of(KEY_NAME)))
                .map(rows -> rows.iterator().next().getBuffer("secret").getBytes());
    }

    private static byte[] mac(byte[] key, UUID id, long exp) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal((id + "." + exp).getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
