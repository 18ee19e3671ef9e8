package io.switchboard.conversation;

import java.time.Instant;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A conversation as clients see it. {@code lastSeq} is the seq of its newest message a visitor can see: the
 * same for everyone, so it tells a visitor nothing of agents' private notes.
 */
@RegisterForReflection
public record ConversationView(long id, Party visitor, ConversationStatus status, Party assignee, long lastSeq,
        Instant createdAt, Instant updatedAt, Instant waitingSince) {

    /** A named participant: the visitor, or the assigned agent. */
    @RegisterForReflection
    public record Party(long id, String name) {
    }
}
