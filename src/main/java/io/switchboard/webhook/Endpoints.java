package io.switchboard.webhook;

import java.net.URI;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import javax.sql.DataSource;

import io.switchboard.api.ApiException;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Text;
import io.switchboard.config.SwitchboardConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

/** Registering, changing, listing and replaying webhook endpoints (admins). */
@ApplicationScoped
class Endpoints {

    @Inject
    DataSource dataSource;

    @Inject
    Destinations destinations;

    @Inject
    SwitchboardConfig config;

    private final java.security.SecureRandom random = new java.security.SecureRandom();

    private static final String COLUMNS = """
            e.id, e.url, e.description, e.events, e.enabled, e.disabled_reason, e.attempts, e.failing_since,
            e.next_attempt_at, e.last_attempt_at, e.last_status, e.last_error, e.created_at,
            (select count(*) from webhook_delivery d where d.endpoint_id = e.id and d.delivered_at is null) as pending,
            (select max(d.event_id) from webhook_delivery d where d.endpoint_id = e.id and d.delivered_at is not null) as delivered""";

    @Transactional
    WebhookView create(String url, List<String> events, String description) {
        URI target = destinations.check(url);
        String[] kinds = kinds(events);
        String about = description(description);
        String secret = Signatures.newSecret(random);
        try (Connection c = dataSource.getConnection()) {
            // One registration at a time, so the budget holds under concurrent requests.
            try (PreparedStatement lock = c.prepareStatement("select pg_advisory_xact_lock(hashtext('webhook_endpoint'))")) {
                lock.executeQuery().close();
            }
            try (PreparedStatement count = c.prepareStatement("select count(*) from webhook_endpoint"); ResultSet r = count.executeQuery()) {
                r.next();
                if (r.getLong(1) >= config.webhooks().maxEndpoints()) {
                    throw new ApiException(ErrorCode.TOO_MANY_WEBHOOKS,
                            "at most " + config.webhooks().maxEndpoints() + " webhook endpoints (switchboard.webhooks.max-endpoints)");
                }
            }
            long id;
            try (PreparedStatement insert = c.prepareStatement(
                    "insert into webhook_endpoint (url, description, events, secret) values (?, ?, ?, ?) returning id")) {
                insert.setString(1, target.toString());
                insert.setString(2, about);
                insert.setArray(3, c.createArrayOf("varchar", kinds));
                insert.setString(4, secret);
                try (ResultSet r = insert.executeQuery()) {
                    r.next();
                    id = r.getLong(1);
                }
            }
            return withSecret(find(c, id), secret);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Transactional
    List<WebhookView> list() {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("select " + COLUMNS + " from webhook_endpoint e order by e.id");
                ResultSet r = s.executeQuery()) {
            List<WebhookView> all = new ArrayList<>();
            while (r.next()) {
                all.add(view(r));
            }
            return all;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Transactional
    WebhookView get(long id) {
        try (Connection c = dataSource.getConnection()) {
            return find(c, id);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The endpoint's signing secret, for setting up its receiver. */
    @Transactional
    WebhookView secret(long id) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("select secret from webhook_endpoint where id = ?")) {
            s.setLong(1, id);
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) {
                    throw notFound();
                }
                return withSecret(find(c, id), r.getString(1));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Changes url, events, description or {@code enabled}. Enabling a disabled endpoint clears its failure
     * streak and delivers what waited for it, from the event it stopped at.
     */
    @Transactional
    WebhookView update(long id, String url, List<String> events, String description, Boolean enabled) {
        String target = url == null ? null : destinations.check(url).toString();
        String[] kinds = events == null ? null : kinds(events);
        String about = description == null ? null : description(description);
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("""
                        update webhook_endpoint set url = coalesce(?, url), events = coalesce(?, events),
                               description = coalesce(?, description),
                               enabled = coalesce(?, enabled),
                               disabled_reason = case when ? then null else disabled_reason end,
                               attempts = case when ? then 0 else attempts end,
                               failing_since = case when ? then null else failing_since end,
                               next_attempt_at = case when ? then now() else next_attempt_at end
                         where id = ?""")) {
            boolean enabling = Boolean.TRUE.equals(enabled);
            s.setString(1, target);
            s.setArray(2, kinds == null ? null : c.createArrayOf("varchar", kinds));
            s.setString(3, about);
            s.setObject(4, enabled);
            s.setBoolean(5, enabling);
            s.setBoolean(6, enabling);
            s.setBoolean(7, enabling);
            s.setBoolean(8, enabling);
            s.setLong(9, id);
            if (s.executeUpdate() == 0) {
                throw notFound();
            }
            if (Boolean.FALSE.equals(enabled)) {
                try (PreparedStatement reason = c.prepareStatement(
                        "update webhook_endpoint set disabled_reason = 'disabled by an admin' where id = ? and disabled_reason is null")) {
                    reason.setLong(1, id);
                    reason.executeUpdate();
                }
            }
            return find(c, id);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Transactional
    void delete(long id) {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement("delete from webhook_endpoint where id = ?")) {
            s.setLong(1, id);
            if (s.executeUpdate() == 0) {
                throw notFound();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A new secret; the old one still signs (a second signature) for {@code previous-secret-for}. */
    @Transactional
    WebhookView rotate(long id) {
        String secret = Signatures.newSecret(random);
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement("""
                update webhook_endpoint set previous_secret = secret, previous_until = now() + ?::interval, secret = ?
                 where id = ?""")) {
            s.setString(1, config.webhooks().previousSecretFor().toSeconds() + " seconds");
            s.setString(2, secret);
            s.setLong(3, id);
            if (s.executeUpdate() == 0) {
                throw notFound();
            }
            return withSecret(find(c, id), secret);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Delivers again, in order, every retained event of the endpoint's kinds after cursor {@code after} (an
     * event id: {@code deliveredThrough}, or a {@code webhook-id} without its prefix) or created at or after
     * {@code since}; the same ids as before, so a receiver that keeps them drops what it already has.
     */
    @Transactional
    long replay(long id, Long after, Instant since) {
        if ((after == null) == (since == null)) {
            throw new ApiException(ErrorCode.INVALID_CURSOR, "give one of after (an event id) or since (an instant)");
        }
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement("""
                with endpoint as (select id, events from webhook_endpoint where id = ?)
                insert into webhook_delivery (endpoint_id, event_id)
                select endpoint.id, v.id from endpoint join webhook_event v on v.kind = any(endpoint.events)
                 where (?::bigint is null or v.id > ?::bigint) and (?::timestamptz is null or v.created_at >= ?::timestamptz)
                on conflict (endpoint_id, event_id) do update set delivered_at = null, round = webhook_delivery.round + 1""")) {
            find(c, id);
            s.setLong(1, id);
            s.setObject(2, after);
            s.setObject(3, after);
            java.time.OffsetDateTime from = since == null ? null : since.atOffset(java.time.ZoneOffset.UTC);
            s.setObject(4, from);
            s.setObject(5, from);
            return s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private WebhookView find(Connection c, long id) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("select " + COLUMNS + " from webhook_endpoint e where e.id = ?")) {
            s.setLong(1, id);
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) {
                    throw notFound();
                }
                return view(r);
            }
        }
    }

    private static WebhookView withSecret(WebhookView v, String secret) {
        return new WebhookView(v.id(), v.url(), v.description(), v.events(), v.enabled(), v.disabledReason(), secret,
                v.delivery(), v.createdAt());
    }

    private static WebhookView view(ResultSet r) throws SQLException {
        Array events = r.getArray("events");
        long delivered = r.getLong("delivered");
        boolean none = r.wasNull();
        int status = r.getInt("last_status");
        boolean noStatus = r.wasNull();
        return new WebhookView(r.getLong("id"), r.getString("url"), r.getString("description"),
                Arrays.asList((String[]) events.getArray()), r.getBoolean("enabled"), r.getString("disabled_reason"), null,
                new WebhookView.Delivery(r.getLong("pending"), none ? null : delivered, r.getInt("attempts"),
                        instant(r, "failing_since"), instant(r, "next_attempt_at"), instant(r, "last_attempt_at"),
                        noStatus ? null : status, r.getString("last_error")),
                instant(r, "created_at"));
    }

    private static Instant instant(ResultSet r, String column) throws SQLException {
        Timestamp t = r.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    private static String[] kinds(List<String> events) {
        if (events == null || events.isEmpty()) {
            throw new ApiException(ErrorCode.INVALID_WEBHOOK, "events: name at least one of " + known());
        }
        Set<String> kinds = new LinkedHashSet<>();
        for (String e : events) {
            kinds.add(WebhookKind.parse(e).orElseThrow(() -> new ApiException(ErrorCode.INVALID_WEBHOOK,
                    "unknown event " + e + ": one of " + known())).wire());
        }
        return kinds.toArray(String[]::new);
    }

    private static String known() {
        return Arrays.stream(WebhookKind.values()).map(WebhookKind::wire).toList().toString();
    }

    private static String description(String description) {
        if (description == null || description.isBlank()) {
            return null;
        }
        String d = description.strip();
        if (d.length() > 200 || !Text.storable(d) || d.chars().anyMatch(Character::isISOControl)) {
            throw new ApiException(ErrorCode.INVALID_WEBHOOK, "a description is at most 200 printable characters");
        }
        return d;
    }

    private static ApiException notFound() {
        return new ApiException(ErrorCode.WEBHOOK_NOT_FOUND, "no such webhook endpoint");
    }
}
