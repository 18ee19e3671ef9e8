package io.switchboard.identity;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

import org.jboss.logging.Logger;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.switchboard.api.ApiException;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Text;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.event.Event;
import io.switchboard.event.EventPublisher;
import io.switchboard.security.LoginGuard;
import io.switchboard.security.RateLimiter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

/** Agent accounts and their login tokens. */
@ApplicationScoped
public class Agents {

    /** Passwords are 8-256 characters: long passphrases fit, and nothing is cut off (Argon2id hashes it all). */
    public static final int MAX_PASSWORD = 256;

    @Inject
    Tokens tokens;

    @Inject
    SwitchboardConfig config;

    @Inject
    EventPublisher events;

    @Inject
    RateLimiter limiter;

    @Inject
    LoginGuard guard;

    @Inject
    PasswordHasher hasher;

    private static final Logger LOG = Logger.getLogger(Agents.class);

    /**
     * Checks the password and issues a token. Attempts are rate limited per IP, and too many failures lock
     * the guessing address (and, for addresses that never logged in, the account) for a growing time
     * ({@link LoginGuard}); the password is never logged. The hash is checked outside any transaction, so a
     * login waiting for its turn at the hasher holds no database connection; a password stored with an
     * older algorithm or parameters is stored again with today's on success.
     */
    public AgentSession login(String username, String password, String ip) {
        if (username == null || password == null) {
            throw new ApiException(ErrorCode.MISSING_CREDENTIALS, "username and password are required");
        }
        limiter.acquire(RateLimiter.Action.login, ip);
        guard.check(username, ip);
        // A username that no account can have is a miss, without a database round trip with odd bytes.
        Optional<Agent> agent = username.length() <= 64 && Text.storable(username)
                ? QuarkusTransaction.requiringNew().call(() -> Agent.findByUsername(username.strip()))
                : Optional.empty();
        String stored = agent.map(a -> a.passwordHash).orElse(null);
        if (!hasher.matches(password, stored)) {
            guard.failed(username, ip);
            LOG.warnf("login failed ip=%s username-length=%d", ip, username.length());
            throw new ApiException(ErrorCode.INVALID_CREDENTIALS, "wrong username or password");
        }
        guard.succeeded(username, ip);
        String rehashed = hasher.needsRehash(stored) ? hasher.hash(password) : null;
        long agentId = agent.get().id;
        return QuarkusTransaction.requiringNew().call(() -> issueToken(agentId, stored, rehashed));
    }

    private AgentSession issueToken(long agentId, String verifiedHash, String rehashed) {
        Agent agent = Agent.findById(agentId);
        if (agent == null) {
            throw new ApiException(ErrorCode.INVALID_CREDENTIALS, "wrong username or password");
        }
        if (rehashed != null && verifiedHash.equals(agent.passwordHash)) { // unless it changed meanwhile
            agent.passwordHash = rehashed;
            LOG.infof("password of agent %d stored again with the current hash", agentId);
        }
        String token = tokens.newAgentToken();
        AgentToken stored = new AgentToken();
        stored.tokenHash = Tokens.hash(token);
        stored.agentId = agentId;
        stored.expiresAt = Instant.now().plus(config.agents().tokenTtl()).truncatedTo(ChronoUnit.MICROS);
        stored.persist();
        return new AgentSession(AgentView.of(agent), token, stored.expiresAt);
    }

    @Transactional
    public void logout(String tokenHash) {
        AgentToken stored = AgentToken.findById(tokenHash);
        if (stored != null && stored.revokedAt == null) {
            stored.revokedAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
            events.publish(new Event.TokenRevoked(tokenHash));
        }
    }

    @Transactional
    public AgentView create(String username, String displayName, String password, Agent.Role role) {
        if (username == null || !username.matches("[a-z0-9._-]{2,64}")) {
            throw new ApiException(ErrorCode.INVALID_USERNAME, "a username is 2-64 characters of a-z 0-9 . _ -");
        }
        int length = password == null ? 0 : password.codePointCount(0, password.length());
        if (length < 8 || length > MAX_PASSWORD || !Text.storable(password)) {
            throw new ApiException(ErrorCode.INVALID_PASSWORD, "a password is 8-" + MAX_PASSWORD + " characters");
        }
        if (Agent.findByUsername(username).isPresent()) {
            throw new ApiException(ErrorCode.USERNAME_TAKEN, "an agent with this username exists");
        }
        Agent agent = new Agent();
        agent.username = username;
        agent.displayName = Visitors.cleanName(displayName).orElse(username);
        agent.passwordHash = hasher.hash(password);
        agent.role = role == null ? Agent.Role.agent : role;
        agent.persist();
        return AgentView.of(agent);
    }

    @Transactional
    public boolean createIfAbsent(String username, String displayName, String password, Agent.Role role) {
        if (Agent.findByUsername(username).isPresent()) {
            return false;
        }
        create(username, displayName, password, role);
        return true;
    }

    @Transactional
    public AgentView find(long id) {
        Agent agent = Agent.findById(id);
        if (agent == null) {
            throw ApiException.unauthorized();
        }
        return AgentView.of(agent);
    }

    @Transactional
    public List<AgentView> list() {
        return Agent.<Agent> listAll().stream().map(AgentView::of).toList();
    }
}
