package io.switchboard.identity;

import java.util.Optional;

import org.jboss.logging.Logger;

import io.switchboard.api.ApiException;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Text;
import io.switchboard.security.RateLimiter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
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
        Visitor visitor = Visitor.findById(id);
        if (visitor == null) {
            throw ApiException.unauthorized();
        }
        String before = visitor.displayName + "\n" + visitor.email;
        cleanName(name).ifPresent(n -> visitor.displayName = n);
        cleanEmail(email).ifPresent(e -> visitor.email = e);
        if (!before.equals(visitor.displayName + "\n" + visitor.email)) {
            changed.fire(new VisitorChanged(id));
        }
        return VisitorView.of(visitor);
    }

    /** A visitor as agents see it (404 when there is none: agents may look up any id). */
    @Transactional
    public VisitorView forAgent(long id) {
        Visitor visitor = Visitor.findById(id);
        if (visitor == null) {
            throw new ApiException(ErrorCode.VISITOR_NOT_FOUND, "no such visitor");
        }
        return VisitorView.of(visitor);
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
