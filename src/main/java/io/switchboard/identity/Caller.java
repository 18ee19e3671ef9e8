package io.switchboard.identity;

/** Who is calling: a visitor or an agent, resolved from a token on every request and handshake. */
public sealed interface Caller {

    long id();

    String displayName();

    record VisitorCaller(long id, String displayName) implements Caller {
    }

    record AgentCaller(long id, String displayName, String username, Agent.Role role) implements Caller {
        public boolean admin() {
            return role == Agent.Role.admin;
        }
    }
}
