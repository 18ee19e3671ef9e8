package io.switchboard.identity;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.jboss.logging.Logger;

import io.switchboard.api.ApiException;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Text;
import io.switchboard.security.RateLimiter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
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

    private static final Logger LOG = Logger.getLogger(Visitors.class);

    /** Creates a visitor; anonymous creation is rate limited per client IP. */
    @Transactional
    public VisitorSession create(String name, String email, String ip) {
        limiter.acquire(RateLimiter.Action.visitor_creation, ip);
        Visitor visitor = new Visitor();
        visitor.displayName = cleanName(name).orElseGet(names::visitorName);
        visitor.email = cleanEmail(email).orElse(null);
        String token = tokens.newVisitorToken();
        visitor.tokenHash = Tokens.hash(token);
        visitor.persist();
        return new VisitorSession(VisitorView.of(visitor), token);
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
        cleanEmail(email).ifPresent(e -> visitor.email = e);
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
