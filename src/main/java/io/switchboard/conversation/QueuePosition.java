package io.switchboard.conversation;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** A conversation's place in the waiting queue: {@code position} 1 is next; 0 when not waiting. */
@RegisterForReflection
public record QueuePosition(long conversationId, ConversationStatus status, long position, long waiting) {
}
