package io.switchboard.email;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

import javax.sql.DataSource;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.switchboard.api.ApiException;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.RateLimitedException;
import io.switchboard.api.Sha256;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.identity.Caller;
import io.switchboard.identity.Handoffs;
import io.switchboard.security.RateLimiter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

/** Transcripts on demand, the links e-mails carry (continue on any device, unsubscribe), and whether mail is on. */
@ApplicationScoped
public class Emails {

    /** An instance's, made at run time (a static one would be frozen into a native image). */
    private final SecureRandom random = new SecureRandom();

    @Inject
    SwitchboardConfig config;

    @Inject
    DataSource dataSource;

    @Inject
    Handoffs handoffs;

    @Inject
    RateLimiter limiter;

    static boolean enabled(SwitchboardConfig config) {
        return config.email().from().isPresent() && config.email().publicUrl().isPresent();
    }

    /**
     * A transcript of the conversation to its visitor's address: the visitor themself or any agent asks, from
     * {@code source} (the client's address). It goes only to a <em>verified</em> address — the site's signed
     * identity's, or one confirmed by a link sent to it: for an unconfirmed address a confirmation goes out
     * first and the transcript is held until the link is used. Budgets: transcripts per visitor a day,
     * confirmations per address a day, requests per source an hour ({@code 429 rate_limited}).
     * {@code 409 email_unavailable} when mail is off, or the visitor has no address, unsubscribed, or it bounced.
     */
    @Transactional
    public Queued requestTranscript(Caller caller, long conversationId, String source) {
        limiter.acquire(RateLimiter.Action.control, caller.key());
        if (!enabled(config)) {
            throw unavailable("e-mail is not set up on this service");
        }
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement("""
                select v.id, v.email, v.email_opt_out, v.email_bounced, v.email_verified_at is not null as verified
                  from conversation k join visitor v on v.id = k.visitor_id
                 where k.id = ? and (? or k.visitor_id = ?) for update of v""")) {
            s.setLong(1, conversationId);
            s.setBoolean(2, caller instanceof Caller.AgentCaller);
            s.setLong(3, caller.id());
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) {
                    throw new ApiException(ErrorCode.CONVERSATION_NOT_FOUND, "no such conversation");
                }
                long visitorId = r.getLong("id");
                String email = r.getString("email");
                if (email == null) {
                    throw unavailable("the visitor has not given an e-mail address");
                }
                if (r.getBoolean("email_opt_out")) {
                    throw unavailable("the visitor asked not to get e-mail");
                }
                if (r.getString("email_bounced") != null) {
                    throw unavailable("mail to the visitor's address failed: " + r.getString("email_bounced"));
                }
                String from = source == null ? "unknown" : source;
                over(c, """
                        select count(*) from email_outbox o join conversation k on k.id = o.conversation_id
                         where k.visitor_id = ? and o.kind = 'transcript' and o.created_at > now() - interval '1 day'""",
                        visitorId, config.email().transcriptsPerVisitorPerDay(), "transcripts for this visitor today");
                over(c, "select count(*) from email_outbox where source = ? and kind in ('transcript', 'confirm')"
                        + " and created_at > now() - interval '1 hour'", from, config.email().emailRequestsPerSourcePerHour(),
                        "e-mail requests from this address in the last hour");
                boolean verified = r.getBoolean("verified");
                boolean confirming = false;
                if (!verified) {
                    confirming = !exists(c, """
                            select 1 from email_outbox o join conversation k on k.id = o.conversation_id
                             where k.visitor_id = ? and o.kind = 'confirm' and lower(o.to_address) = lower(?)
                               and o.state in ('pending', 'sent') and o.created_at > now() - interval '1 hour'""", visitorId, email);
                    if (confirming) {
                        over(c, "select count(*) from email_outbox where kind = 'confirm' and lower(to_address) = lower(?)"
                                + " and created_at > now() - interval '1 day'", email, config.email().confirmationsPerAddressPerDay(),
                                "confirmation mails to this address today");
                        insert(c, "confirm", conversationId, email, "pending", from);
                    }
                }
                insert(c, "transcript", conversationId, null, verified ? "pending" : "held", from);
                return new Queued(email, !verified);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Where a transcript is going, and whether it waits for the address to be confirmed first. */
    @RegisterForReflection
    public record Queued(String to, boolean awaitingConfirmation) {
    }

    private static void insert(Connection c, String kind, long conversationId, String to, String state, String source)
            throws SQLException {
        try (PreparedStatement q = c.prepareStatement(
                "insert into email_outbox (kind, conversation_id, to_address, state, source) values (?, ?, ?, ?, ?)")) {
            q.setString(1, kind);
            q.setLong(2, conversationId);
            q.setString(3, to);
            q.setString(4, state);
            q.setString(5, source.length() > 64 ? source.substring(0, 64) : source);
            q.executeUpdate();
        }
    }

    /** 429 when the count the query gives for {@code key} has reached {@code limit}. */
    private static void over(Connection c, String sql, Object key, int limit, String what) throws SQLException {
        try (PreparedStatement q = c.prepareStatement(sql)) {
            q.setObject(1, key);
            try (ResultSet r = q.executeQuery()) {
                r.next();
                if (r.getLong(1) >= limit) {
                    throw new RateLimitedException(ErrorCode.RATE_LIMITED, "at most " + limit + " " + what, 3600);
                }
            }
        }
    }

    private static boolean exists(Connection c, String sql, Object... values) throws SQLException {
        try (PreparedStatement q = c.prepareStatement(sql)) {
            for (int i = 0; i < values.length; i++) {
                q.setObject(i + 1, values[i]);
            }
            try (ResultSet r = q.executeQuery()) {
                return r.next();
            }
        }
    }

    /** The link that confirms {@code email} is the visitor's, made when its mail is composed (only its hash is kept). */
    String confirmLink(Connection c, long visitorId, String email) throws SQLException {
        return base() + "/api/email/confirm?t=" + storedToken(c, "email_confirmation", "email", visitorId, email,
                config.email().confirmationTtl());
    }

    /** Is this a confirmation link that still works (for the page with the button)? */
    @Transactional
    public boolean confirmable(String token) {
        if (token == null || token.length() > 100) {
            return false;
        }
        try (Connection c = dataSource.getConnection()) {
            return exists(c, """
                    select 1 from email_confirmation f join visitor v on v.id = f.visitor_id
                     where f.token_hash = ? and f.expires_at > now() and lower(v.email) = lower(f.email)""", Sha256.hex(token));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Confirms the address a link was sent to, if it is still the visitor's: verified from now, its links gone,
     * and the transcripts held for it released to the outbox. False when the link is unknown, expired, or the
     * visitor's address has changed since.
     */
    @Transactional
    public boolean confirm(String token) {
        if (token == null || token.length() > 100) {
            return false;
        }
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement("""
                update visitor v set email_verified_at = now() from email_confirmation f
                 where f.token_hash = ? and f.expires_at > now() and v.id = f.visitor_id and lower(v.email) = lower(f.email)
                returning v.id""")) {
            s.setString(1, Sha256.hex(token));
            long visitorId;
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) {
                    return false;
                }
                visitorId = r.getLong(1);
            }
            try (PreparedStatement gone = c.prepareStatement("delete from email_confirmation where visitor_id = ?");
                    PreparedStatement release = c.prepareStatement("""
                            update email_outbox o set state = 'pending', not_before = now() from conversation k
                             where k.id = o.conversation_id and k.visitor_id = ? and o.kind = 'transcript' and o.state = 'held'""")) {
                gone.setLong(1, visitorId);
                gone.executeUpdate();
                release.setLong(1, visitorId);
                release.executeUpdate();
            }
            return true;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A one-time link that brings the visitor back to the conversation on whatever device opens it. */
    String continueLink(Connection c, long visitorId, long conversationId) throws SQLException {
        return base() + "/api/email/continue?t=" + storedToken(c, "email_link", "conversation_id", visitorId, conversationId,
                config.email().linkTtl());
    }

    /**
     * A new link token, only its hash stored in {@code table} for the visitor, with {@code value} in {@code column}
     * and an expiry {@code ttl} from now; the token itself goes into the e-mail.
     */
    private String storedToken(Connection c, String table, String column, long visitorId, Object value, Duration ttl)
            throws SQLException {
        String token = token();
        try (PreparedStatement s = c.prepareStatement("insert into " + table + " (token_hash, visitor_id, " + column
                + ", expires_at) values (?, ?, ?, now() + ?::interval)")) {
            s.setString(1, Sha256.hex(token));
            s.setLong(2, visitorId);
            s.setObject(3, value);
            s.setString(4, ttl.toSeconds() + " seconds");
            s.executeUpdate();
        }
        return token;
    }

    /** The visitor's unsubscribe link (its key made on first use). */
    String unsubscribeLink(Connection c, long visitorId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "update visitor set email_key = coalesce(email_key, ?) where id = ? returning email_key")) {
            s.setString(1, token());
            s.setLong(2, visitorId);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return base() + "/api/email/unsubscribe?v=" + visitorId + "&t=" + r.getString(1);
            }
        }
    }

    /**
     * Opens a continue link: once, before it expires. The page it leads to gets a one-time code for the
     * visitor and the conversation, which the widget exchanges for this device's own token (tokens never travel
     * in URLs); empty when the link is unknown, used or expired.
     */
    @Transactional
    public Optional<Continued> open(String token) {
        if (token == null || token.length() > 100) {
            return Optional.empty();
        }
        long visitor;
        long conversation;
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement("""
                update email_link set used_at = now() where token_hash = ? and used_at is null and expires_at > now()
                returning visitor_id, conversation_id""")) {
            s.setString(1, Sha256.hex(token));
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) {
                    return Optional.empty();
                }
                visitor = r.getLong(1);
                conversation = r.getLong(2);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return Optional.of(new Continued(handoffs.issue(visitor, conversation), conversation,
                config.email().continueUrl().orElse(base() + "/demo.html")));
    }

    /** Where a continue link leads: the one-time code for this device, the conversation, and the page with the widget. */
    public record Continued(String code, long conversationId, String page) {
    }

    /** Is this the visitor's unsubscribe key? */
    @Transactional
    public boolean unsubscribeKey(long visitorId, String key) {
        return unsubscribe(visitorId, key, false);
    }

    /** Stops all e-mail to the visitor; false when the key is not theirs. */
    @Transactional
    public boolean unsubscribe(long visitorId, String key) {
        return unsubscribe(visitorId, key, true);
    }

    private boolean unsubscribe(long visitorId, String key, boolean apply) {
        if (key == null || key.length() > 100) {
            return false;
        }
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(apply
                ? "update visitor set email_opt_out = true where id = ? and email_key = ?"
                : "select 1 from visitor where id = ? and email_key = ?")) {
            s.setLong(1, visitorId);
            s.setString(2, key);
            if (apply) {
                return s.executeUpdate() == 1;
            }
            try (ResultSet r = s.executeQuery()) {
                return r.next();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    String base() {
        return config.email().publicUrl().orElse("").replaceAll("/+$", "");
    }

    private String token() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static ApiException unavailable(String why) {
        return new ApiException(ErrorCode.EMAIL_UNAVAILABLE, why);
    }
}
