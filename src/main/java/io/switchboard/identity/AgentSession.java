package io.switchboard.identity;

import java.time.Instant;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** A successful login: the token (also set as an HttpOnly cookie) and when it expires. */
@RegisterForReflection
public record AgentSession(AgentView agent, String token, Instant expiresAt) {
}
