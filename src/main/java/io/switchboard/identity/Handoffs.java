package io.switchboard.identity;

import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Base64;
import java.util.Optional;

import org.hibernate.Session;
import org.jboss.logging.Logger;

import io.quarkus.scheduler.Scheduled;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.security.RateLimiter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

/**
 * Hands a visitor's session to another device without a token in a URL: a "continue the conversation" link
 * (e-mail) gives the page a one-time code, short-lived ({@code switchboard.visitors.handoff-ttl}) and bound to
 * one visitor and conversation, and the widget exchanges it for a new token of its own. Only the code's hash
 * is kept; a used code is gone, expired ones are swept. Budget: a code exists only for a link opened once,
 * and lives minutes.
 */
@ApplicationScoped
public class Handoffs {

    private static final Logger LOG = Logger.getLogger(Handoffs.class);
    /** Codes are 256 random bits, like tokens: guessing one is hopeless, and the exchange is rate limited too. */
    private static final int CODE_BYTES = 32;

    @Inject
    EntityManager em;

    @Inject
    Visitors visitors;

    @Inject
    RateLimiter limiter;

    @Inject
    SwitchboardConfig config;

    private final SecureRandom random = new SecureRandom();

    /** A code for this visitor and conversation; what the URL carries. */
    @Transactional(Transactional.TxType.MANDATORY)
    public String issue(long visitorId, long conversationId) {
        byte[] bytes = new byte[CODE_BYTES];
        random.nextBytes(bytes);
        String code = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        em.createNativeQuery("insert into visitor_handoff (code_hash, visitor_id, conversation_id, expires_at) "
                + "values (?1, ?2, ?3, now() + ?4 * interval '1 millisecond')")
                .setParameter(1, Tokens.hash(code)).setParameter(2, visitorId).setParameter(3, conversationId)
                .setParameter(4, config.visitors().handoffTtl().toMillis()).executeUpdate();
        return code;
    }

    /** What an exchanged code gives this device: its own token, and the conversation the link was about. */
    public record Exchanged(VisitorSession session, long conversationId) {
    }

    /** Once, before it expires: a new token for the code's visitor. Empty for an unknown, used or expired code. */
    @Transactional
    public Optional<Exchanged> exchange(String code, String ip) {
        limiter.acquire(RateLimiter.Action.visitor_creation, ip);
        if (code == null || code.isEmpty() || code.length() > 100) {
            return Optional.empty();
        }
        long[] found = em.unwrap(Session.class).doReturningWork(connection -> {
            try (PreparedStatement s = connection.prepareStatement(
                    "delete from visitor_handoff where code_hash = ? and expires_at > now() returning visitor_id, conversation_id")) {
                s.setString(1, Tokens.hash(code));
                try (ResultSet r = s.executeQuery()) {
                    return r.next() ? new long[] { r.getLong(1), r.getLong(2) } : null;
                }
            }
        });
        if (found == null) {
            return Optional.empty();
        }
        long visitorId = found[0];
        long conversationId = found[1];
        return Optional.of(new Exchanged(visitors.newDevice(visitorId), conversationId));
    }

    @Scheduled(every = "10m", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    @Transactional
    void sweep() {
        int gone = em.createNativeQuery("delete from visitor_handoff where expires_at <= now()").executeUpdate();
        if (gone > 0) {
            LOG.debugf("expired handoff codes swept: %d", gone);
        }
    }
}
