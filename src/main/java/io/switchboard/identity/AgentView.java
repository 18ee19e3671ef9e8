package io.switchboard.identity;

import io.quarkus.runtime.annotations.RegisterForReflection;

@RegisterForReflection
public record AgentView(long id, String username, String name, Agent.Role role) {
    static AgentView of(Agent a) {
        return new AgentView(a.id, a.username, a.displayName, a.role);
    }
}
