package io.switchboard.live;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.switchboard.api.ApiException;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.RateLimitedException;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.identity.CallerLookup;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Every live client connection on this instance, whatever its transport. Enforces the per-instance,
 * per-identity and per-IP connection limits, closes an agent's connections when its token expires or is revoked (on any
 * replica, through the fan-out), and feeds the per-transport connection gauges.
 */
@ApplicationScoped
public class ConnectionRegistry {

    private static final Logger LOG = Logger.getLogger(ConnectionRegistry.class);

    private final Set<LiveConnection> all = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicInteger> perIdentity = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> perIp = new ConcurrentHashMap<>();
    private final Map<Transport, AtomicInteger> perTransport = new EnumMap<>(Transport.class);
    /** Admitted and not yet released, on every transport: what the per-instance cap counts. */
    private final AtomicInteger total = new AtomicInteger();

    private final SwitchboardConfig config;
    private final Vertx vertx;
    private final CallerLookup callers;
    private volatile boolean draining;
    private final long maxAgeMillis;
    private final Counter retiredCount;

    @Inject
    ConnectionRegistry(SwitchboardConfig config, Vertx vertx, MeterRegistry registry, CallerLookup callers) {
        this.config = config;
        this.vertx = vertx;
        this.callers = callers;
        this.maxAgeMillis = config.limits().maxConnectionAge().map(Duration::toMillis).orElse(0L);
        this.retiredCount = Counter.builder("switchboard.connections.retired")
                .description("Connections closed for reaching the maximum connection age").register(registry);
        if (maxAgeMillis > 0) {
            // Checked 20 times per age (at most every 30 s): a connection is closed within 5 % of its age.
            vertx.setPeriodic(Math.max(250, Math.min(30_000, maxAgeMillis / 20)), id -> retireOld());
        }
        for (Transport t : Transport.values()) {
            AtomicInteger count = new AtomicInteger();
            perTransport.put(t, count);
            Gauge.builder("switchboard.connections", count, AtomicInteger::get)
                    .description("Live client connections on this instance").tag("transport", t.name())
                    .register(registry);
        }
    }

    /**
     * Admits a connection or refuses it with {@code 429 too_many_connections}. The caller must
     * {@link #release} it when it ends.
     */
    public LiveConnection admit(String identity, String tokenHash, String ip, Transport transport, Instant expiresAt,
            LiveConnection.Closer closer) {
        if (draining) {
            throw new ApiException(ErrorCode.DRAINING,
                    "this instance is shutting down; reconnect to reach another one");
        }
        if (total.incrementAndGet() > config.limits().connectionsPerInstance()) {
            total.decrementAndGet();
            LOG.warnf("connection refused: this instance holds its maximum of %d live connections",
                    config.limits().connectionsPerInstance());
            throw new RateLimitedException(ErrorCode.INSTANCE_FULL,
                    "this replica holds its maximum of live connections; reconnect to reach another one", 5);
        }
        AtomicInteger byIdentity = perIdentity.computeIfAbsent(identity, k -> new AtomicInteger());
        AtomicInteger byIp = perIp.computeIfAbsent(ip, k -> new AtomicInteger());
        if (byIdentity.incrementAndGet() > config.limits().connectionsPerIdentity()
                | byIp.incrementAndGet() > config.limits().connectionsPerIp()) {
            byIdentity.decrementAndGet();
            byIp.decrementAndGet();
            total.decrementAndGet();
            LOG.warnf("connection refused: too many connections identity=%s ip=%s transport=%s", identity, ip, transport);
            throw new RateLimitedException(ErrorCode.TOO_MANY_CONNECTIONS, "too many open connections for this client", 5);
        }
        LiveConnection connection = new LiveConnection(identity, tokenHash, ip, transport, expiresAt, retireAt(), closer);
        all.add(connection);
        perTransport.get(transport).incrementAndGet();
        if (expiresAt != null) {
            long delay = Math.max(1, Duration.between(Instant.now(), expiresAt).toMillis());
            connection.expiryTimer = vertx.setTimer(delay,
                    t -> connection.close(LiveConnection.TOKEN_REVOKED, "token expired"));
        }
        return connection;
    }

    /**
     * With a maximum connection age, each connection is retired between 80 and 100 % of it (spread, so that
     * the connections a deploy opened together do not all come back at once).
     */
    private long retireAt() {
        return maxAgeMillis <= 0 ? Long.MAX_VALUE
                : System.currentTimeMillis() + maxAgeMillis - ThreadLocalRandom.current().nextLong(maxAgeMillis / 5 + 1);
    }

    /**
     * Closes the connections past their age (1001: clients reconnect, through the Service, to any replica and
     * resume from their cursors), so that replicas added by a scale-out get their share of long-lived clients.
     */
    void retireOld() {
        long now = System.currentTimeMillis();
        int retired = 0;
        for (LiveConnection connection : all) {
            if (connection.retireAt <= now) {
                connection.close(LiveConnection.GOING_AWAY, "connection age limit: reconnect");
                retired++;
            }
        }
        if (retired > 0) {
            retiredCount.increment(retired);
            LOG.debugf("retired %d connections past the maximum connection age", retired);
        }
    }

    public void release(LiveConnection connection) {
        if (connection == null || !connection.markReleased()) {
            return;
        }
        all.remove(connection);
        total.decrementAndGet();
        perTransport.get(connection.transport).decrementAndGet();
        decrement(perIdentity, connection.identity);
        decrement(perIp, connection.ip);
        if (connection.expiryTimer >= 0) {
            vertx.cancelTimer(connection.expiryTimer);
        }
    }

    private static void decrement(Map<String, AtomicInteger> counts, String key) {
        counts.computeIfPresent(key, (k, v) -> v.decrementAndGet() <= 0 ? null : v);
    }

    /** A token was revoked (logout), here or on another replica: close every connection that used it. */
    void revoked(String tokenHash) {
        all.stream().filter(c -> tokenHash.equals(c.tokenHash))
                .forEach(c -> c.close(LiveConnection.TOKEN_REVOKED, "token revoked"));
    }

    /**
     * Re-reads the agent tokens of every live connection here and closes those revoked or expired (4401).
     * Revocations normally arrive as notifications ({@link #revoked}); this heals one that was lost (the
     * LISTEN connection was down when it was published): periodically, and whenever LISTEN is re-established.
     * Non-blocking; a failed read is skipped (the next round tries again).
     */
    @Scheduled(every = "${switchboard.agents.token-recheck}", delayed = "${switchboard.agents.token-recheck}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> recheckTokens() {
        List<String> hashes = all.stream().filter(c -> c.expiresAt != null && c.tokenHash != null)
                .map(c -> c.tokenHash).distinct().toList();
        if (hashes.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Uni<Void>> batches = new ArrayList<>();
        for (int from = 0; from < hashes.size(); from += CallerLookup.RECHECK_BATCH) {
            List<String> batch = hashes.subList(from, Math.min(hashes.size(), from + CallerLookup.RECHECK_BATCH));
            batches.add(callers.validAgentTokens(batch)
                    .invoke(valid -> batch.stream().filter(h -> !valid.contains(h)).forEach(this::revoked))
                    .onFailure().invoke(f -> LOG.warnf("token re-check skipped: %s", f.getClass().getSimpleName()))
                    .onFailure().recoverWithNull().replaceWithVoid());
        }
        return Uni.join().all(batches).andCollectFailures().replaceWithVoid();
    }

    /** From now on new connections are refused; true the first time. */
    boolean startDraining() {
        boolean first = !draining;
        draining = true;
        return first;
    }

    /** Closes everything, e.g. when draining for shutdown. */
    public void closeAll(int code, String reason) {
        all.forEach(c -> c.close(code, reason));
    }

    public int count(Transport transport) {
        return perTransport.get(transport).get();
    }
}
