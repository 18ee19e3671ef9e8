package io.switchboard.identity;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.hibernate.Session;
import org.jboss.logging.Logger;

import io.switchboard.api.ApiException;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Text;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.event.EventPublisher;
import io.switchboard.security.RateLimiter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.Query;
import jakarta.transaction.Transactional;

/** Creating and updating anonymous visitor identities. */
@ApplicationScoped
public class Visitors {

    @Inject
    Tokens tokens;

    @Inject
    NameGenerator names;

    @Inject
    RateLimiter limiter;

    @Inject
    Event<VisitorChanged> changed;

    @Inject
    Event<VisitorsMerged> merged;

    @Inject
    Event<VisitorIdentified> identified;

    @Inject
    SignedIdentities identities;

    @Inject
    SwitchboardConfig config;

    @Inject
    EntityManager em;

    @Inject
    EventPublisher events;

    private static final Logger LOG = Logger.getLogger(Visitors.class);

    /**
     * Creates an anonymous visitor; rate limited per client IP. Refused ({@code 401 invalid_identity}) where
     * the site requires a signed identity.
     */
    @Transactional
    public VisitorSession create(String name, String email, String ip) {
        if (identities.required()) {
            throw new ApiException(ErrorCode.INVALID_IDENTITY, "this site requires a signed identity to chat");
        }
        limiter.acquire(RateLimiter.Action.visitor_creation, ip);
        Visitor visitor = new Visitor();
        visitor.displayName = cleanName(name).orElseGet(names::visitorName);
        visitor.email = cleanEmail(email).orElse(null);
        visitor.persist();
        return new VisitorSession(VisitorView.of(visitor), issueToken(visitor.id));
    }

    /** A device signs in with the site's signed identity: its own token for the one visitor it names. */
    public record SignIn(VisitorSession session, boolean created) {
    }

    /**
     * A signed identity from a device without a token: the visitor it names (created on its first sign-in,
     * with the identity's name and e-mail) gets one more token, this device's; the oldest is ended beyond
     * {@code max-devices}. Rate limited per client IP like anonymous creation.
     */
    @Transactional
    public SignIn signIn(String identityToken, String ip) {
        SignedIdentities.Identity identity = identities.verify(identityToken);
        limiter.acquire(RateLimiter.Action.visitor_creation, ip);
        serialise(identity.userId());
        Visitor visitor = byExternalId(identity.userId());
        boolean created = visitor == null;
        if (created) {
            visitor = new Visitor();
            visitor.displayName = identity.name().orElseGet(names::visitorName);
            visitor.email = identity.email().orElse(null);
            visitor.externalId = identity.userId();
            visitor.verifiedAt = now();
            visitor.emailVerifiedAt = visitor.email == null ? null : visitor.verifiedAt;
            visitor.persist();
            identified.fire(new VisitorIdentified(visitor.id, identity.userId(), null));
        } else {
            verified(visitor, identity);
        }
        return new SignIn(new VisitorSession(VisitorView.of(visitor), issueToken(visitor.id, identity.binding())), created);
    }

    /**
     * A visitor with a token signs in. Already this identity: its name and e-mail are refreshed from the
     * identity, and the token stays. Already someone else: {@code 409 identity_mismatch}. Anonymous: every token
     * of the anonymous visitor ends — this device's too, since a token can be planted on a device (a link, a
     * shared computer) and its copy kept elsewhere — and this device gets a new one. The anonymous visitor then
     * becomes the identified one when nobody else has this identity, or is merged into the one who has: its
     * conversations move whole (messages, seqs and read cursors unchanged; {@link VisitorsMerged}), so this
     * device sees one history.
     */
    @Transactional
    public IdentifiedVisitor identify(long id, String identityToken) {
        SignedIdentities.Identity identity = identities.verify(identityToken);
        limiter.acquire(RateLimiter.Action.control, "visitor:" + id);
        serialise(identity.userId());
        Visitor me = Visitor.findById(id, LockModeType.PESSIMISTIC_WRITE);
        if (me == null) {
            throw ApiException.unauthorized();
        }
        if (me.externalId != null) {
            if (!me.externalId.equals(identity.userId())) {
                throw new ApiException(ErrorCode.IDENTITY_MISMATCH,
                        "this visitor is signed in as someone else: create a new visitor with this identity");
            }
            verified(me, identity);
            return new IdentifiedVisitor(VisitorView.of(me), null);
        }
        endTokens(me.id);
        Visitor known = byExternalId(identity.userId());
        if (known == null) {
            me.externalId = identity.userId();
            verified(me, identity);
            identified.fire(new VisitorIdentified(me.id, identity.userId(), null));
            return new IdentifiedVisitor(VisitorView.of(me), issueToken(me.id, identity.binding()));
        }
        merged.fire(new VisitorsMerged(me.id, known.id));
        me.mergedInto = known.id;
        verified(known, identity);
        changed.fire(new VisitorChanged(known.id));
        identified.fire(new VisitorIdentified(known.id, identity.userId(), me.id));
        LOG.infof("visitor %d signed in as visitor %d: merged", me.id, known.id);
        return new IdentifiedVisitor(VisitorView.of(known), issueToken(known.id, identity.binding()));
    }

    /** Ends every token of the visitor; its live connections, on every replica, are closed (4401). */
    private void endTokens(long visitorId) {
        revoked(em.unwrap(Session.class).doReturningWork(connection -> hashes(connection,
                "delete from visitor_token where visitor_id = ? returning token_hash", visitorId)));
    }

    private void revoked(List<String> hashes) {
        hashes.forEach(hash -> events.publish(new io.switchboard.event.Event.TokenRevoked(hash)));
    }

    private static List<String> hashes(Connection connection, String sql, long visitorId, Object... more) throws SQLException {
        try (PreparedStatement s = connection.prepareStatement(sql)) {
            s.setLong(1, visitorId);
            for (int i = 0; i < more.length; i++) {
                s.setObject(i + 2, more[i]);
            }
            List<String> hashes = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    hashes.add(r.getString(1));
                }
            }
            return hashes;
        }
    }

    /**
     * A new device token for an existing visitor (a "continue the conversation" link opened on another
     * device), within the visitor's budget of devices.
     */
    @Transactional
    public VisitorSession newDevice(long visitorId) {
        Visitor visitor = existing(visitorId, LockModeType.PESSIMISTIC_WRITE);
        return new VisitorSession(VisitorView.of(visitor), issueToken(visitor.id));
    }

    /** One sign-in per identity at a time, on every replica: two devices signing in at once make one visitor. */
    private void serialise(String userId) {
        em.createNativeQuery("select pg_advisory_xact_lock(hashtextextended(?1, 16))").setParameter(1, userId).getSingleResult();
    }

    private static Visitor byExternalId(String userId) {
        return Visitor.<Visitor> find("externalId", userId).withLock(LockModeType.PESSIMISTIC_WRITE).firstResult();
    }

    /** The identity is what the site says now: its name and e-mail, when it gives them, replace the old ones. */
    private void verified(Visitor visitor, SignedIdentities.Identity identity) {
        visitor.verifiedAt = now();
        rename(visitor, identity.name().orElse(null), identity.email().orElse(null));
        if (identity.email().isPresent()) {
            visitor.emailVerifiedAt = visitor.verifiedAt; // the site vouches for its user's address
        }
    }

    /** A new token for the visitor (only its hash is kept), within the visitor's budget of devices. */
    private String issueToken(long visitorId) {
        return issueToken(visitorId, null);
    }

    /**
     * A new token for the visitor, for the device a signed identity token signs in ({@code binding}: that
     * token's). The same identity token signing in again replaces its device's session token — a replayed
     * token holds one place, however often it is sent, and never pushes the user's other devices out of the
     * budget; new identity tokens (other devices) take places, the oldest ending beyond {@code max-devices}.
     */
    private String issueToken(long visitorId, String binding) {
        if (binding != null) {
            revoked(em.unwrap(Session.class).doReturningWork(connection -> {
                try (PreparedStatement s = connection.prepareStatement(
                        "delete from visitor_token where identity_binding = ? returning token_hash")) {
                    s.setString(1, binding);
                    List<String> ended = new ArrayList<>();
                    try (ResultSet r = s.executeQuery()) {
                        while (r.next()) {
                            ended.add(r.getString(1));
                        }
                    }
                    return ended;
                }
            }));
        }
        String token = tokens.newVisitorToken();
        Query insert = em.createNativeQuery(binding == null ? "insert into visitor_token (token_hash, visitor_id) values (?1, ?2)"
                : "insert into visitor_token (token_hash, visitor_id, identity_binding) values (?1, ?2, ?3)");
        insert.setParameter(1, Tokens.hash(token)).setParameter(2, visitorId);
        if (binding != null) {
            insert.setParameter(3, binding);
        }
        insert.executeUpdate();
        trimTokens(visitorId);
        return token;
    }

    /** Beyond {@code max-devices} tokens, the oldest ones end (their devices, and live connections, sign in again). */
    private void trimTokens(long visitorId) {
        List<String> ended = em.unwrap(Session.class).doReturningWork(connection -> hashes(connection, """
                delete from visitor_token t where t.visitor_id = ? and t.token_hash not in (
                    select k.token_hash from visitor_token k where k.visitor_id = t.visitor_id
                     order by k.created_at desc, k.token_hash limit ?) returning t.token_hash""",
                visitorId, config.visitors().identity().maxDevices()));
        revoked(ended);
        if (!ended.isEmpty()) {
            LOG.debugf("visitor %d: %d oldest device tokens ended (max-devices)", visitorId, ended.size());
        }
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    @Transactional
    public VisitorView update(long id, String name, String email) {
        Visitor visitor = Visitor.findById(id, LockModeType.PESSIMISTIC_WRITE);
        if (visitor == null) {
            throw ApiException.unauthorized();
        }
        rename(visitor, name, email);
        return VisitorView.of(visitor);
    }

    /**
     * A new name and/or e-mail (validated); consoles are told when either changed. Every change to a visitor
     * holds its row lock (Hibernate writes every column): a context report and a rename at the same moment
     * must not undo each other.
     */
    private void rename(Visitor visitor, String name, String email) {
        String before = visitor.displayName + "\n" + visitor.email;
        cleanName(name).ifPresent(n -> visitor.displayName = n);
        cleanEmail(email).ifPresent(e -> {
            if (!e.equalsIgnoreCase(String.valueOf(visitor.email))) {
                visitor.emailVerifiedAt = null; // a new address is nobody's until it is confirmed
            }
            visitor.email = e;
        });
        if (!before.equals(visitor.displayName + "\n" + visitor.email)) {
            changed.fire(new VisitorChanged(visitor.id));
        }
    }

    /** A visitor as agents see it (404 when there is none: agents may look up any id). */
    @Transactional
    public VisitorProfile forAgent(long id) {
        return VisitorProfile.of(existing(id, LockModeType.NONE));
    }

    /** An agent corrects a visitor's name or e-mail (same rules as the visitor's own). */
    @Transactional
    public VisitorProfile updateByAgent(long id, String name, String email) {
        Visitor visitor = existing(id, LockModeType.PESSIMISTIC_WRITE);
        rename(visitor, name, email);
        return VisitorProfile.of(visitor);
    }

    /**
     * The widget reports where the visitor is (on load and on each navigation). Every field is bounded and
     * cleaned; a URL is http(s) only. Rate limited with the visitor's other control actions; consoles are told
     * only when something changed.
     */
    @Transactional
    public void reportContext(long id, VisitorContext context, String userAgent) {
        limiter.acquire(RateLimiter.Action.control, "visitor:" + id);
        Visitor visitor = Visitor.findById(id, LockModeType.PESSIMISTIC_WRITE);
        if (visitor == null) {
            throw ApiException.unauthorized();
        }
        List<String> before = context(visitor);
        visitor.pageUrl = context.url() == null ? visitor.pageUrl : VisitorContext.url("url", context.url());
        visitor.pageTitle = context.title() == null ? visitor.pageTitle : VisitorContext.text("title", context.title(), 300);
        visitor.referrer = context.referrer() == null ? visitor.referrer
                : context.referrer().isEmpty() ? null : VisitorContext.url("referrer", context.referrer());
        visitor.language = context.language() == null ? visitor.language : VisitorContext.language(context.language());
        visitor.timeZone = context.timeZone() == null ? visitor.timeZone : VisitorContext.timeZone(context.timeZone());
        visitor.userAgent = userAgent == null ? visitor.userAgent : VisitorContext.clip(userAgent, 512);
        visitor.pageAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
        visitor.lastSeenAt = visitor.pageAt;
        if (!before.equals(context(visitor))) {
            changed.fire(new VisitorChanged(id));
        }
    }

    /** What the context panel shows of a visitor, to tell whether a report changed any of it. */
    private static List<String> context(Visitor v) {
        return Arrays.asList(v.pageUrl, v.pageTitle, v.referrer, v.userAgent, v.language, v.timeZone);
    }

    private static Visitor existing(long id, LockModeType lock) {
        Visitor visitor = Visitor.findById(id, lock);
        if (visitor == null) {
            throw new ApiException(ErrorCode.VISITOR_NOT_FOUND, "no such visitor");
        }
        return visitor;
    }

    @Transactional
    public VisitorView find(long id) {
        Visitor visitor = Visitor.findById(id);
        if (visitor == null) {
            throw ApiException.unauthorized();
        }
        return VisitorView.of(visitor);
    }

    static Optional<String> cleanName(String name) {
        if (name == null || name.isBlank()) {
            return Optional.empty();
        }
        String trimmed = name.strip();
        if (trimmed.codePointCount(0, trimmed.length()) > 80 || trimmed.chars().anyMatch(Character::isISOControl)
                || !Text.storable(trimmed) || !Text.displayable(trimmed)) {
            throw new ApiException(ErrorCode.INVALID_NAME,
                    "a name is at most 80 printable characters, without invisible formatting (bidi or zero-width) characters");
        }
        return Optional.of(trimmed);
    }

    static Optional<String> cleanEmail(String email) {
        if (email == null || email.isBlank()) {
            return Optional.empty();
        }
        String trimmed = email.strip();
        if (trimmed.length() > 254 || !Text.storable(trimmed) || trimmed.chars().anyMatch(Character::isISOControl)
                || !trimmed.matches("[^@\\s]+@[^@\\s]+\\.[^@\\s]+")) {
            throw new ApiException(ErrorCode.INVALID_EMAIL, "not an e-mail address");
        }
        return Optional.of(trimmed);
    }
}
