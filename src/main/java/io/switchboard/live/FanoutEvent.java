package io.switchboard.live;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * What one NOTIFY carries: ids only, never content, so a payload stays far below PostgreSQL's 8000-byte
 * limit. Receivers fetch the rows they need by cursor.
 */
@RegisterForReflection
public record FanoutEvent(Kind kind, long conversationId, long seq, String subject) {

    public enum Kind {
        /** A message with this seq was committed. */
        message,
        /** The conversation's status or assignee changed. */
        conversation,
        /** An agent token was revoked ({@code subject} is its hash): close its connections everywhere. */
        revoked,
        /** Someone is typing ({@code subject}: kind:id:start|stop:name). Ephemeral: never stored. */
        typing,
        /** A read cursor moved to {@code seq} ({@code subject}: kind:id). */
        read,
        /** An agent's presence may have changed ({@code seq}: the agent id). */
        presence,
        /** An agent opened or left a conversation (collision awareness); same subject as typing. */
        viewing
    }
}
