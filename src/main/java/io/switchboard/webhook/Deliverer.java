package io.switchboard.webhook;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.sql.DataSource;

import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import io.switchboard.api.ApiException;
import io.switchboard.config.SwitchboardConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Delivers webhook events, on every replica, without a coordinator: a replica takes a lease on an endpoint
 * with events due ({@code FOR UPDATE SKIP LOCKED}, so two never deliver to one endpoint at once), then sends
 * its pending events one at a time in event order, each only marked delivered after a 2xx. A replica that dies
 * mid-delivery leaves the event pending; its lease runs out and another replica sends it again, with the same
 * {@code webhook-id} (at least once). A failure backs off exponentially with jitter; an endpoint that has
 * failed for {@code retry-for} is disabled with the reason, its queue kept for when it is enabled again. Old
 * events are dropped after {@code retention}.
 */
@ApplicationScoped
class Deliverer {

    private static final Logger LOG = Logger.getLogger(Deliverer.class);
    /**
     * Endpoints one replica serves at once, each on a thread of its own, and what one turn may take before the
     * endpoint goes back to the queue: so many events, or so long. A slow receiver holds its own turn, never
     * another endpoint's.
     */
    static final int PARALLEL_TURNS = 4;
    private static final int EVENTS_PER_TURN = 100;
    /** Of an answer, only this much is read and kept (for the admin's "last error"). */
    private static final int EXCERPT = 300;

    @Inject
    DataSource dataSource;

    @Inject
    Destinations destinations;

    @Inject
    SwitchboardConfig config;

    @Inject
    Vertx vertx;

    private final String instance = UUID.randomUUID().toString();
    private volatile HttpClient http;
    private volatile boolean stopping;
    /** Free turns: a round leases only as many endpoints as there are; a turn gives its permit back when it ends. */
    private final Semaphore free = new Semaphore(PARALLEL_TURNS);
    /** At most {@link #PARALLEL_TURNS} threads, and never more work queued than free turns (see {@link #free}). */
    private final ExecutorService turns = Executors.newFixedThreadPool(PARALLEL_TURNS, runnable -> {
        Thread thread = new Thread(runnable, "webhook-turn");
        thread.setDaemon(true);
        return thread;
    });

    void stop(@Observes ShutdownEvent shutdown) {
        stopping = true;
        turns.shutdown();
        HttpClient client = http;
        if (client != null) {
            client.close();
        }
    }

    private record Leased(long id, URI url, List<String> secrets) {
    }

    private record Pending(long eventId, int round, String body) {
    }

    @Scheduled(every = "${switchboard.webhooks.poll:1s}", delayed = "2s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void deliver() {
        if (stopping) {
            return;
        }
        int taken = 0;
        while (free.tryAcquire()) {
            taken++;
        }
        try {
            List<Leased> leased = taken == 0 ? List.of() : lease(taken);
            for (Leased endpoint : leased) {
                turns.execute(() -> {
                    try {
                        deliverTo(endpoint);
                    } catch (SQLException | RuntimeException e) {
                        LOG.warnf("webhook delivery to endpoint %d failed: %s", endpoint.id(), e.getMessage());
                    } finally {
                        free.release();
                    }
                });
                taken--; // its permit now belongs to the turn
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warnf("webhook delivery round failed: %s", e.getMessage());
        } finally {
            free.release(taken); // the permits no endpoint was leased for
        }
    }

    /** Turns running now (a figure for tests: at most {@link #PARALLEL_TURNS}). */
    int turnsRunning() {
        return PARALLEL_TURNS - free.availablePermits();
    }

    @Scheduled(every = "10m", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sweep() {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("delete from webhook_event where created_at < now() - ?::interval")) {
            s.setString(1, config.webhooks().retention().toSeconds() + " seconds");
            int gone = s.executeUpdate();
            if (gone > 0) {
                LOG.infof("webhook events older than %s dropped: %d", config.webhooks().retention(), gone);
            }
        } catch (SQLException e) {
            LOG.warnf("webhook sweep failed: %s", e.getMessage());
        }
    }

    /** Up to {@code max} endpoints with an event due and nobody delivering to them, leased to this replica. */
    private List<Leased> lease(int max) throws SQLException {
        List<Leased> leased = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement("""
                update webhook_endpoint e set lease_until = now() + ?::interval, leased_by = ?
                 where e.id in (select id from webhook_endpoint w
                                 where w.enabled and w.next_attempt_at <= now()
                                   and (w.lease_until is null or w.lease_until < now())
                                   and exists (select 1 from webhook_delivery d where d.endpoint_id = w.id and d.delivered_at is null)
                                 order by w.next_attempt_at limit ? for update skip locked)
                returning e.id, e.url, e.secret, case when e.previous_until > now() then e.previous_secret end as previous""")) {
            s.setString(1, config.webhooks().lease().toSeconds() + " seconds");
            s.setString(2, instance);
            s.setInt(3, max);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    List<String> secrets = new ArrayList<>(2);
                    secrets.add(r.getString("secret"));
                    if (r.getString("previous") != null) {
                        secrets.add(r.getString("previous"));
                    }
                    leased.add(new Leased(r.getLong("id"), URI.create(r.getString("url")), secrets));
                }
            }
        }
        return leased;
    }

    private void deliverTo(Leased endpoint) throws SQLException {
        // A turn ends well within the lease (renewed by each delivery), so the lease never runs out under it.
        long ends = System.nanoTime() + config.webhooks().lease().toNanos() / 2;
        try {
            for (int sent = 0; sent < EVENTS_PER_TURN && !stopping && System.nanoTime() < ends; sent++) {
                Pending next = next(endpoint);
                if (next == null) {
                    break;
                }
                String failure = send(endpoint, next);
                if (failure != null) {
                    failed(endpoint, failure);
                    return;
                }
                delivered(endpoint, next);
            }
        } finally {
            release(endpoint);
        }
    }

    private Pending next(Leased endpoint) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement("""
                select d.event_id, d.round, v.body from webhook_delivery d join webhook_event v on v.id = d.event_id
                 where d.endpoint_id = ? and d.delivered_at is null order by d.event_id limit 1""")) {
            s.setLong(1, endpoint.id());
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? new Pending(r.getLong(1), r.getInt(2), r.getString(3)) : null;
            }
        }
    }

    /** An endpoint's answer: its status and the first {@link #EXCERPT} bytes of its body. */
    private record Answer(int status, String excerpt) {
    }

    /**
     * One attempt; null when the endpoint took it (2xx), else what went wrong, short. The request goes to the
     * address {@link Destinations#reachable} just checked, never to a fresh resolution of the name (DNS
     * rebinding), with the URL's host in {@code Host} and, for https, in SNI and the certificate check.
     */
    private String send(Leased endpoint, Pending event) throws SQLException {
        String id = "evt_" + event.eventId();
        long timestamp = Instant.now().getEpochSecond();
        String error;
        try {
            InetAddress address = destinations.reachable(endpoint.url());
            URI url = endpoint.url();
            boolean tls = url.getScheme().equalsIgnoreCase("https");
            int port = url.getPort() > 0 ? url.getPort() : tls ? 443 : 80;
            String target = (url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath())
                    + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
            long timeout = config.webhooks().timeout().toMillis();
            RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST)
                    .setServer(SocketAddress.inetSocketAddress(new InetSocketAddress(address, port)))
                    .setHost(url.getHost()).setPort(port).setSsl(tls).setURI(target)
                    .setFollowRedirects(false).setConnectTimeout(timeout).setIdleTimeout(timeout)
                    .putHeader("Content-Type", "application/json").putHeader("User-Agent", "Switchboard-Webhooks/1")
                    .putHeader("webhook-id", id).putHeader("webhook-timestamp", String.valueOf(timestamp))
                    .putHeader("webhook-signature", Signatures.header(endpoint.secrets(), id, timestamp, event.body()));
            Answer answer = client().request(request)
                    .compose(r -> r.send(Buffer.buffer(event.body(), StandardCharsets.UTF_8.name())))
                    .compose(Deliverer::excerpt)
                    .toCompletionStage().toCompletableFuture().get(timeout, TimeUnit.MILLISECONDS);
            record(endpoint, answer.status());
            if (answer.status() >= 200 && answer.status() < 300) {
                return null;
            }
            error = "HTTP " + answer.status() + (answer.excerpt().isBlank() ? "" : ": " + answer.excerpt().strip());
        } catch (ApiException e) {
            error = "refused: " + e.getMessage();
        } catch (TimeoutException e) {
            error = "HttpTimeoutException: no answer within " + config.webhooks().timeout().toSeconds() + " s";
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            error = cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error = "interrupted";
        }
        return error.length() > 500 ? error.substring(0, 500) : error;
    }

    /** The status and the start of the body; the rest is not read (a receiver's answer is not ours to hold). */
    private static Future<Answer> excerpt(HttpClientResponse response) {
        Promise<Answer> answer = Promise.promise();
        Buffer start = Buffer.buffer();
        response.handler(chunk -> {
            if (start.length() < EXCERPT) {
                start.appendBuffer(chunk.length() > EXCERPT - start.length() ? chunk.getBuffer(0, EXCERPT - start.length()) : chunk);
            }
            if (start.length() >= EXCERPT) {
                answer.tryComplete(new Answer(response.statusCode(), start.toString(StandardCharsets.UTF_8)));
                response.request().reset();
            }
        });
        response.endHandler(v -> answer.tryComplete(new Answer(response.statusCode(), start.toString(StandardCharsets.UTF_8))));
        response.exceptionHandler(failure -> answer.tryComplete(new Answer(response.statusCode(), start.toString(StandardCharsets.UTF_8))));
        return answer.future();
    }

    private void record(Leased endpoint, Integer status) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(
                "update webhook_endpoint set last_attempt_at = now(), last_status = ? where id = ?")) {
            s.setObject(1, status);
            s.setLong(2, endpoint.id());
            s.executeUpdate();
        }
    }

    /** Done: the next one is due at once, the failure streak ends, the lease is renewed. */
    private void delivered(Leased endpoint, Pending event) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement("""
                with done as (update webhook_delivery set delivered_at = now()
                                where endpoint_id = ? and event_id = ? and round = ?)
                update webhook_endpoint set attempts = 0, failing_since = null, last_error = null,
                       lease_until = now() + ?::interval where id = ?""")) {
            s.setLong(1, endpoint.id());
            s.setLong(2, event.eventId());
            s.setInt(3, event.round());
            s.setString(4, config.webhooks().lease().toSeconds() + " seconds");
            s.setLong(5, endpoint.id());
            s.executeUpdate();
        }
    }

    /**
     * Not taken: try again after an exponential, jittered delay; after {@code retry-for} of failures the
     * endpoint is disabled, with the reason, and keeps its queue.
     */
    private void failed(Leased endpoint, String error) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement("""
                update webhook_endpoint set attempts = attempts + 1, failing_since = coalesce(failing_since, now()),
                       last_attempt_at = now(), last_error = ?,
                       next_attempt_at = now() + ?::interval,
                       enabled = enabled and coalesce(failing_since, now()) > now() - ?::interval,
                       disabled_reason = case when coalesce(failing_since, now()) > now() - ?::interval then disabled_reason
                                              else 'failing since ' || to_char(failing_since at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                                                   || ': ' || ? end
                 where id = ? returning attempts, enabled""")) {
            SwitchboardConfig.Webhooks settings = config.webhooks();
            String retryFor = settings.retryFor().toMillis() + " milliseconds";
            s.setString(1, error);
            s.setString(2, backoff(attemptsOf(c, endpoint.id()) + 1, settings).toMillis() + " milliseconds");
            s.setString(3, retryFor);
            s.setString(4, retryFor);
            s.setString(5, error);
            s.setLong(6, endpoint.id());
            try (ResultSet r = s.executeQuery()) {
                if (r.next() && !r.getBoolean("enabled")) {
                    LOG.warnf("webhook endpoint %d disabled after failing for %s: %s", endpoint.id(), settings.retryFor(), error);
                } else {
                    LOG.debugf("webhook endpoint %d: attempt failed (%s)", endpoint.id(), error);
                }
            }
        }
    }

    private static int attemptsOf(Connection c, long id) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("select attempts from webhook_endpoint where id = ?")) {
            s.setLong(1, id);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? r.getInt(1) : 0;
            }
        }
    }

    /** base × 2^(n-1), capped, then between half and all of it (full jitter would retry at once too often). */
    static Duration backoff(int attempt, SwitchboardConfig.Webhooks settings) {
        long base = settings.backoffBase().toMillis();
        long cap = settings.backoffMax().toMillis();
        long delay = Math.min(cap, base << Math.min(30, Math.max(0, attempt - 1)));
        return Duration.ofMillis(delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1));
    }

    private void release(Leased endpoint) {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(
                "update webhook_endpoint set lease_until = null, leased_by = null where id = ? and leased_by = ?")) {
            s.setLong(1, endpoint.id());
            s.setString(2, instance);
            s.executeUpdate();
        } catch (SQLException e) {
            LOG.warnf("webhook lease not released (it expires): %s", e.getMessage());
        }
    }

    private HttpClient client() {
        HttpClient client = http;
        if (client == null) {
            int timeout = (int) config.webhooks().timeout().toMillis();
            // Redirects are not followed (they could lead anywhere); SNI and the certificate check use the URL's
            // host although the connection goes to the checked address; the JDK's trusted certificates.
            client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(timeout).setForceSni(true)
                    .setVerifyHost(true).setMaxPoolSize(PARALLEL_TURNS).setKeepAlive(true)
                    .setIdleTimeout((int) Math.max(1, config.webhooks().timeout().toSeconds() * 3)));
            http = client;
        }
        return client;
    }
}
