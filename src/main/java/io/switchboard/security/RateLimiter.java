package io.switchboard.security;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.quarkus.scheduler.Scheduled;
import io.switchboard.config.SwitchboardConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Token buckets per action and key (an identity, or a client IP). State is per instance: with N replicas a
 * client gets at most N times the rate, which is still a bound.
 */
@ApplicationScoped
public class RateLimiter {

    public enum Action {
        send, typing, control, visitor_creation, login
    }

    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    @Inject
    SwitchboardConfig config;

    /** Takes one token; false when the caller is over its rate. */
    public boolean tryAcquire(Action action, String key) {
        SwitchboardConfig.Limits.Rate rate = rate(action);
        Bucket bucket = buckets.computeIfAbsent(action + "|" + key, k -> new Bucket(rate.burst()));
        return bucket.tryTake(rate.perSecond(), rate.burst());
    }

    /** Seconds until one token is back: the Retry-After of a refusal. */
    public long retryAfterSeconds(Action action) {
        return Math.max(1, (long) Math.ceil(1.0 / rate(action).perSecond()));
    }

    private SwitchboardConfig.Limits.Rate rate(Action action) {
        return switch (action) {
            case send -> config.limits().sends();
            case typing -> config.limits().typing();
            case control -> config.limits().control();
            case visitor_creation -> config.limits().visitorCreation();
            case login -> config.limits().logins();
        };
    }

    /** Forget buckets that have been full for a while, so memory follows active clients only. */
    @Scheduled(every = "60s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void evictIdle() {
        long cutoff = System.nanoTime() - 300_000_000_000L;
        buckets.values().removeIf(b -> b.idleSince(cutoff));
    }

    private static final class Bucket {
        private double tokens;
        private long refilledAt = System.nanoTime();

        Bucket(int burst) {
            this.tokens = burst;
        }

        synchronized boolean tryTake(double perSecond, int burst) {
            long now = System.nanoTime();
            tokens = Math.min(burst, tokens + (now - refilledAt) / 1e9 * perSecond);
            refilledAt = now;
            if (tokens >= 1) {
                tokens -= 1;
                return true;
            }
            return false;
        }

        synchronized boolean idleSince(long cutoff) {
            return refilledAt < cutoff;
        }
    }
}
