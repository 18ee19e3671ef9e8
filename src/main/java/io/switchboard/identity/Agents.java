package io.switchboard.identity;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

import org.jboss.logging.Logger;

import io.quarkus.elytron.security.common.BcryptUtil;
import io.switchboard.api.ApiException;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.RateLimitedException;
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

    /** Compared against when the username is unknown, so a miss costs as much as a wrong password. */
    private static final String DUMMY_HASH = BcryptUtil.bcryptHash("switchboard-timing-equaliser");

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

    private static final Logger LOG = Logger.getLogger(Agents.class);

    /**
     * Checks the password and issues a token. Attempts are rate limited per IP, and too many failures lock
     * the guessing address (and, for addresses that never logged in, the account) for a growing time
     * ({@link LoginGuard}); the password is never logged.
     */
    @Transactional(dontRollbackOn = ApiException.class)
    public AgentSession login(String username, String password, String ip) {
        if (username == null || password == null) {
            throw new ApiException(ErrorCode.MISSING_CREDENTIALS, "username and password are required");
        }
        if (!limiter.tryAcquire(RateLimiter.Action.login, ip)) {
            LOG.warnf("rate limited: login ip=%s", ip);
            throw RateLimitedException.rateLimited(limiter.retryAfterSeconds(RateLimiter.Action.login));
        }
        guard.check(username, ip);
        // A username that no account can have is a miss, without a database round trip with odd bytes.
        Optional<Agent> agent = username.length() <= 64 && Text.storable(username)
                ? Agent.findByUsername(username.strip()) : Optional.empty();
        boolean matches = BcryptUtil.matches(password, agent.map(a -> a.passwordHash).orElse(DUMMY_HASH));
        if (agent.isEmpty() || !matches) {
            guard.failed(username, ip);
            LOG.warnf("login failed ip=%s username-length=%d", ip, username.length());
            throw new ApiException(ErrorCode.INVALID_CREDENTIALS, "wrong username or password");
        }
        guard.succeeded(username, ip);
        String token = tokens.newAgentToken();
        AgentToken stored = new AgentToken();
        stored.tokenHash = Tokens.hash(token);
        stored.agentId = agent.get().id;
        stored.expiresAt = Instant.now().plus(config.agents().tokenTtl()).truncatedTo(ChronoUnit.MICROS);
        stored.persist();
        return new AgentSession(AgentView.of(agent.get()), token, stored.expiresAt);
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
        if (password == null || password.length() < 8 || password.length() > 72 || !Text.storable(password)) {
            throw new ApiException(ErrorCode.INVALID_PASSWORD, "a password is 8-72 characters");
        }
        if (Agent.findByUsername(username).isPresent()) {
            throw new ApiException(ErrorCode.USERNAME_TAKEN, "an agent with this username exists");
        }
        Agent agent = new Agent();
        agent.username = username;
        agent.displayName = Visitors.cleanName(displayName).orElse(username);
        agent.passwordHash = BcryptUtil.bcryptHash(password);
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
