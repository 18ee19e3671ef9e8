package io.switchboard.identity;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

import io.quarkus.elytron.security.common.BcryptUtil;
import io.switchboard.api.ApiException;
import io.switchboard.config.SwitchboardConfig;
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

    @Transactional
    public AgentSession login(String username, String password) {
        if (username == null || password == null) {
            throw ApiException.badRequest("missing_credentials", "username and password are required");
        }
        Optional<Agent> agent = Agent.findByUsername(username.strip());
        boolean matches = BcryptUtil.matches(password, agent.map(a -> a.passwordHash).orElse(DUMMY_HASH));
        if (agent.isEmpty() || !matches) {
            throw new ApiException(401, "invalid_credentials", "wrong username or password");
        }
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
        }
    }

    @Transactional
    public AgentView create(String username, String displayName, String password, Agent.Role role) {
        if (username == null || !username.matches("[a-z0-9._-]{2,64}")) {
            throw ApiException.badRequest("invalid_username", "a username is 2-64 characters of a-z 0-9 . _ -");
        }
        if (password == null || password.length() < 8 || password.length() > 72) {
            throw ApiException.badRequest("invalid_password", "a password is 8-72 characters");
        }
        if (Agent.findByUsername(username).isPresent()) {
            throw ApiException.conflict("username_taken", "an agent with this username exists");
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
