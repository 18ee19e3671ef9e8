package io.switchboard.security;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.switchboard.api.ApiException;
import io.switchboard.api.RateLimitedException;
import io.switchboard.config.SwitchboardConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Slows password guessing: after N failures for one username it is locked for a while, and each failure
 * while locked doubles the lock (capped at an hour). A success clears the record. Attempts per IP are rate
 * limited separately, so one address cannot sweep many usernames either.
 */
@ApplicationScoped
public class LoginGuard {

    private static final Duration MAX_LOCK = Duration.ofHours(1);

    private final Map<String, Record> failures = new ConcurrentHashMap<>();

    @Inject
    SwitchboardConfig config;

    /** Throws 429 while the username is locked. */
    public void check(String username) {
        Record record = failures.get(key(username));
        if (record != null) {
            long wait = record.lockedForMillis();
            if (wait > 0) {
                throw locked(wait);
            }
        }
    }

    public void failed(String username) {
        failures.compute(key(username), (k, r) -> {
            Record record = r == null ? new Record() : r;
            record.failed(config.limits().loginFailuresBeforeLockout(), config.limits().lockout());
            return record;
        });
    }

    public void succeeded(String username) {
        failures.remove(key(username));
    }

    private static String key(String username) {
        return username == null ? "" : username.strip().toLowerCase(Locale.ROOT);
    }

    static ApiException locked(long millis) {
        return new RateLimitedException("login_locked",
                "too many failed logins for this account; try again in " + Math.max(1, millis / 1000) + " s",
                Math.max(1, (millis + 999) / 1000));
    }

    private static final class Record {
        private int count;
        private Duration lock = Duration.ZERO;
        private long lockedUntil;

        synchronized void failed(int threshold, Duration firstLock) {
            count++;
            if (count >= threshold) {
                lock = lock.isZero() ? firstLock : lock.multipliedBy(2);
                if (lock.compareTo(MAX_LOCK) > 0) {
                    lock = MAX_LOCK;
                }
                lockedUntil = System.currentTimeMillis() + lock.toMillis();
            }
        }

        synchronized long lockedForMillis() {
            return lockedUntil - System.currentTimeMillis();
        }
    }
}
