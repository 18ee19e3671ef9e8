package io.switchboard.email;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Base64;
import java.util.Optional;

import javax.sql.DataSource;

import io.switchboard.api.ApiException;
import io.switchboard.api.ErrorCode;
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
     * A transcript of the conversation to its visitor's address: the visitor themself or any agent asks.
     * {@code 409 email_unavailable} when mail is off, or the visitor has no address, unsubscribed, or it bounced.
     */
    @Transactional
    public String requestTranscript(Caller caller, long conversationId) {
        limiter.acquire(RateLimiter.Action.control, caller.key());
        if (!enabled(config)) {
            throw unavailable("e-mail is not set up on this service");
        }
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement("""
                select v.email, v.email_opt_out, v.email_bounced from conversation k join visitor v on v.id = k.visitor_id
                 where k.id = ? and (? or k.visitor_id = ?)""")) {
            s.setLong(1, conversationId);
            s.setBoolean(2, caller instanceof Caller.AgentCaller);
            s.setLong(3, caller.id());
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) {
                    throw new ApiException(ErrorCode.CONVERSATION_NOT_FOUND, "no such conversation");
                }
                if (r.getString("email") == null) {
                    throw unavailable("the visitor has not given an e-mail address");
                }
                if (r.getBoolean("email_opt_out")) {
                    throw unavailable("the visitor asked not to get e-mail");
                }
                if (r.getString("email_bounced") != null) {
                    throw unavailable("mail to the visitor's address failed: " + r.getString("email_bounced"));
                }
                try (PreparedStatement q = c.prepareStatement("insert into email_outbox (kind, conversation_id) values ('transcript', ?)")) {
                    q.setLong(1, conversationId);
                    q.executeUpdate();
                }
                return r.getString("email");
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A one-time link that brings the visitor back to the conversation on whatever device opens it. */
    String continueLink(Connection c, long visitorId, long conversationId) throws SQLException {
        String token = token();
        try (PreparedStatement s = c.prepareStatement("""
                insert into email_link (token_hash, visitor_id, conversation_id, expires_at) values (?, ?, ?, now() + ?::interval)""")) {
            s.setString(1, Sha256.hex(token));
            s.setLong(2, visitorId);
            s.setLong(3, conversationId);
            s.setString(4, config.email().linkTtl().toSeconds() + " seconds");
            s.executeUpdate();
        }
        return base() + "/api/email/continue?t=" + token;
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
