package io.switchboard.identity;

import java.time.Instant;

import io.switchboard.api.Author;
import io.switchboard.api.AuthorKind;

/** Who is calling: a visitor or an agent, resolved from a token on every request and handshake. */
public sealed interface Caller {

    long id();

    String displayName();

    /** When the credential this caller used stops working; visitor tokens do not expire. */
    default Instant expiresAt() {
        return null;
    }

    default boolean isAgent() {
        return this instanceof AgentCaller;
    }

    /** The caller as it appears on messages, typing, receipts and viewing. */
    default Author author() {
        return new Author(isAgent() ? AuthorKind.agent : AuthorKind.visitor, id(), displayName());
    }

    /** A stable key for limits and logs, e.g. {@code visitor:12}; never the token. */
    default String key() {
        return author().kind() + ":" + id();
    }

    record VisitorCaller(long id, String displayName) implements Caller {
    }

    /** {@code expiresAt}: when the token this agent authenticated with stops working. */
    record AgentCaller(long id, String displayName, String username, Agent.Role role, Instant expiresAt)
            implements Caller {
        public boolean admin() {
            return role == Agent.Role.admin;
        }
    }
}
