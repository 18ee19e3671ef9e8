package io.switchboard.identity;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

import io.quarkus.elytron.security.common.BcryptUtil;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.RateLimitedException;
import io.switchboard.config.SwitchboardConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Agent passwords, stored as Argon2id in the PHC string format ({@code $argon2id$v=19$m=…,t=…,p=…$salt$hash}).
 * Argon2id hashes the whole password (bcrypt ignored everything after 72 bytes). Hashes written by earlier
 * versions (bcrypt, {@code $2…}) still verify, and {@link #needsRehash} says when a successful login should
 * store the password again with the current parameters. At most {@code concurrency} hashes run at once (each
 * holds {@code memory-kib} of heap); a caller that waits longer than {@code wait-for-turn} is refused with
 * {@code 503 overloaded}. Blocking: call on a worker thread.
 */
@ApplicationScoped
public class PasswordHasher {

    private static final Pattern ARGON2ID = Pattern.compile(
            "\\$argon2id\\$v=19\\$m=(\\d{1,8}),t=(\\d{1,3}),p=(\\d{1,2})\\$([A-Za-z0-9+/]{16,88})\\$([A-Za-z0-9+/]{16,88})");
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64_DECODE = Base64.getDecoder();
    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;

    private final SwitchboardConfig.Agents.PasswordHash params;
    private final Semaphore turns;
    private final SecureRandom random = new SecureRandom();
    /** Verified against when a username is unknown, so a miss costs as much as a wrong password. */
    private volatile String dummy;

    @Inject
    PasswordHasher(SwitchboardConfig config) {
        this(config.agents().passwordHash(), new Semaphore(config.agents().passwordHash().concurrency(), true));
    }

    /** With the permits to hash given: a test can hold them all and see the next caller refused. */
    PasswordHasher(SwitchboardConfig.Agents.PasswordHash params, Semaphore turns) {
        this.params = params;
        this.turns = turns;
    }

    public String hash(String password) {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        byte[] hash = argon2(password, salt, params.memoryKib(), params.iterations(), params.parallelism());
        return "$argon2id$v=19$m=" + params.memoryKib() + ",t=" + params.iterations() + ",p=" + params.parallelism()
                + "$" + B64.encodeToString(salt) + "$" + B64.encodeToString(hash);
    }

    /** Does {@code password} match {@code stored}? A null {@code stored} (no such agent) costs a full hash too. */
    public boolean matches(String password, String stored) {
        if (stored == null) {
            matches(password, dummy());
            return false;
        }
        if (stored.startsWith("$2")) { // bcrypt from before Argon2id; rehashed at the next successful login
            return bounded(() -> BcryptUtil.matches(password, stored));
        }
        Matcher m = ARGON2ID.matcher(stored);
        if (!m.matches()) {
            return false;
        }
        byte[] expected = B64_DECODE.decode(m.group(5));
        byte[] actual = argon2(password, B64_DECODE.decode(m.group(4)), Integer.parseInt(m.group(1)),
                Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)), expected.length);
        return MessageDigest.isEqual(expected, actual);
    }

    /** Was {@code stored} written with another algorithm or other parameters than today's? */
    public boolean needsRehash(String stored) {
        Matcher m = ARGON2ID.matcher(stored);
        return !m.matches() || Integer.parseInt(m.group(1)) != params.memoryKib()
                || Integer.parseInt(m.group(2)) != params.iterations() || Integer.parseInt(m.group(3)) != params.parallelism();
    }

    private String dummy() {
        String d = dummy;
        if (d == null) {
            d = hash("switchboard-timing-equaliser");
            dummy = d;
        }
        return d;
    }

    private byte[] argon2(String password, byte[] salt, int memoryKib, int iterations, int parallelism) {
        return argon2(password, salt, memoryKib, iterations, parallelism, HASH_BYTES);
    }

    private byte[] argon2(String password, byte[] salt, int memoryKib, int iterations, int parallelism, int length) {
        Argon2Parameters parameters = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13).withSalt(salt).withMemoryAsKB(memoryKib)
                .withIterations(iterations).withParallelism(parallelism).build();
        return bounded(() -> {
            Argon2BytesGenerator generator = new Argon2BytesGenerator();
            generator.init(parameters);
            byte[] out = new byte[length];
            generator.generateBytes(password.getBytes(StandardCharsets.UTF_8), out);
            return out;
        });
    }

    private static RateLimitedException busy() {
        return new RateLimitedException(ErrorCode.OVERLOADED, "too many logins at once; retry shortly", 1);
    }

    private <T> T bounded(Supplier<T> work) {
        boolean acquired;
        try {
            acquired = turns.tryAcquire(params.waitForTurn().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw busy();
        }
        if (!acquired) {
            throw busy();
        }
        try {
            return work.get();
        } finally {
            turns.release();
        }
    }
}
