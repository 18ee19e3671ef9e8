package io.switchboard.identity;

/** Who is calling: a visitor or an agent, resolved from a token on every request and handshake. */
public sealed interface Caller {

    long id();

    String displayName();

    /** When the credential this caller used stops working; visitor tokens do not expire. */
    default java.time.Instant expiresAt() {
        return null;
    }

    /** A stable key for limits and logs, e.g. {@code visitor:12}; never the token. */
    default String key() {
        return (this instanceof AgentCaller ? "agent:" : "visitor:") + id();
    }

    record VisitorCaller(long id, String displayName) implements Caller {
    }

    /** {@code expiresAt}: when the token this agent authenticated with stops working. */
    record AgentCaller(long id, String displayName, String username, Agent.Role role, java.time.Instant expiresAt)
            implements Caller {
        public boolean admin() {
            return role == Agent.Role.admin;
        }
    }
}
