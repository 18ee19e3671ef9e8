package io.switchboard.security;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

import org.jboss.logging.Logger;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.EstimationProbe;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.jdbc.PrimaryKeyMapper;
import io.github.bucket4j.postgresql.Bucket4jPostgreSQL;
import io.github.bucket4j.postgresql.PostgreSQLSelectForUpdateBasedProxyManager;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.quarkus.scheduler.Scheduled;
import io.switchboard.api.RateLimitedException;
import io.switchboard.api.Sha256;
import io.switchboard.config.SwitchboardConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Token buckets (Bucket4j) per action and key (an identity, or a client address). The limits that stop
 * abuse of the whole service — visitor creation and login attempts per address — are shared by every
 * replica through PostgreSQL (table {@code rate_bucket}, one short transaction per attempt; rows expire once
 * their bucket would be full again). The per-message limits (sends, typing, control frames) stay per
 * instance, in memory: they are checked for every frame, and a client holds its connection on one replica,
 * so N replicas give a client at most N times the rate only if it spreads its connections. Their buckets
 * live in a Caffeine cache bounded by {@code local-buckets} and forgotten after 5 idle minutes.
 */
@ApplicationScoped
// Caffeine picks its cache and node classes by name from the settings (strong keys and values, maximum size,
// expire after access): the native image must keep them.
@RegisterForReflection(classNames = { "com.github.benmanes.caffeine.cache.SSMSA",
        "com.github.benmanes.caffeine.cache.PSAMS" })
public class RateLimiter {

    private static final Logger LOG = Logger.getLogger(RateLimiter.class);
    private static final int PURGE_BATCH = 1000;
    /** {@code rate_bucket.id} is at most this long; a longer key is stored as its hash. */
    static final int MAX_ID = 128;

    public enum Action {
        send(false, true), typing(false, false), upload(false, true), control(false, false), visitor_creation(true, true), login(true, true);

        /** Counted in PostgreSQL, across replicas. */
        final boolean shared;
        /** A refusal is logged (at most once per request). */
        final boolean logged;

        Action(boolean shared, boolean logged) {
            this.shared = shared;
            this.logged = logged;
        }
    }

    private final SwitchboardConfig config;
    private final Cache<String, Bucket> local;
    private final PostgreSQLSelectForUpdateBasedProxyManager<String> sharedBuckets;

    @Inject
    RateLimiter(SwitchboardConfig config, DataSource dataSource) {
        this(config, dataSource, config.limits().localBuckets());
    }

    /** Another instance's limiter on the same store (tests: a second replica, a small local budget). */
    RateLimiter(SwitchboardConfig config, DataSource dataSource, int localBuckets) {
        this.config = config;
        this.local = Caffeine.newBuilder().maximumSize(localBuckets)
                .expireAfterAccess(Duration.ofMinutes(5)).build();
        this.sharedBuckets = Bucket4jPostgreSQL.selectForUpdateBasedBuilder(dataSource)
                .primaryKeyMapper(PrimaryKeyMapper.STRING).table("rate_bucket").idColumn("id")
                .stateColumn("state").expiresAtColumn("expires_at")
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
                .build();
    }

    /**
     * Takes one token, or throws {@code 429 rate_limited} with the seconds until one is back. Refusals of the
     * HTTP-facing actions are logged; frame refusals are not (a flooding client would flood the log too; they
     * count towards closing its connection instead).
     */
    public void acquire(Action action, String key) {
        ConsumptionProbe probe = probe(action, key);
        if (!probe.isConsumed()) {
            if (action.logged) {
                LOG.warnf("rate limited: %s key=%s", action, key);
            }
            throw refused(probe.getNanosToWaitForRefill());
        }
    }

    /**
     * Throws {@code 429 rate_limited} when {@code action} has no token left for {@code key}, without taking
     * one: a frame is refused before any work, and the call that does the work takes the token. Per-instance
     * actions only (the shared ones would cost a transaction to ask).
     */
    public void requireAvailable(Action action, String key) {
        if (action.shared) {
            throw new IllegalArgumentException(action + " is counted in PostgreSQL: acquire it instead");
        }
        EstimationProbe probe = localBucket(action, key).estimateAbilityToConsume(1);
        if (!probe.canBeConsumed()) {
            throw refused(probe.getNanosToWaitForRefill());
        }
    }

    /** 429 with the whole seconds (at least 1) until a token is back, for Retry-After. */
    private static RateLimitedException refused(long nanosToWait) {
        return RateLimitedException.rateLimited(Math.max(1, TimeUnit.NANOSECONDS.toSeconds(nanosToWait + 999_999_999L)));
    }

    private Bucket localBucket(Action action, String key) {
        return local.get(action.name() + "|" + key, k -> Bucket.builder().addLimit(bandwidth(action)).build());
    }

    private ConsumptionProbe probe(Action action, String key) {
        if (!action.shared) {
            return localBucket(action, key).tryConsumeAndReturnRemaining(1);
        }
        // The limit is part of the row's id: a bucket keeps the configuration it was created with, so a
        // changed limit starts new buckets (the old rows expire) instead of being ignored until then.
        SwitchboardConfig.Limits.Rate rate = rate(action);
        String prefix = action.name() + "|" + rate.perSecond() + "/" + rate.burst() + "|";
        String row = prefix.length() + key.length() <= MAX_ID ? prefix + key : prefix + "sha256:" + Sha256.hex(key);
        BucketConfiguration configuration = BucketConfiguration.builder().addLimit(bandwidth(action)).build();
        // Its own short transaction, whatever the caller is in: an attempt counts even if the caller rolls back.
        return QuarkusTransaction.suspendingExisting().call(
                () -> sharedBuckets.builder().build(row, () -> configuration).tryConsumeAndReturnRemaining(1));
    }

    /** Entries in the local cache (for the test that overfills it). */
    long localBucketCount() {
        local.cleanUp();
        return local.estimatedSize();
    }

    private Bandwidth bandwidth(Action action) {
        SwitchboardConfig.Limits.Rate rate = rate(action);
        Duration perToken = Duration.ofNanos(Math.max(1, (long) (1_000_000_000L / rate.perSecond())));
        return Bandwidth.builder().capacity(rate.burst()).refillGreedy(1, perToken).build();
    }

    private SwitchboardConfig.Limits.Rate rate(Action action) {
        return switch (action) {
            case send -> config.limits().sends();
            case typing -> config.limits().typing();
            case upload -> config.limits().uploads();
            case control -> config.limits().control();
            case visitor_creation -> config.limits().visitorCreation();
            case login -> config.limits().logins();
        };
    }

    /** Shared buckets whose clients came back to a full bucket are deleted (bounded work per round). */
    @Scheduled(every = "60s", delayed = "30s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void purgeExpired() {
        try {
            for (int round = 0; round < 100 && sharedBuckets.removeExpired(PURGE_BATCH) >= PURGE_BATCH; round++) {
                // keep going while whole batches are removed
            }
        } catch (RuntimeException e) {
            LOG.warnf("rate buckets not purged: %s", e.getClass().getSimpleName());
        }
    }
}
