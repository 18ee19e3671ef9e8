package io.switchboard.conversation;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** A participant has read a conversation up to and including {@code seq}. */
@RegisterForReflection
public record ReadReceipt(long conversationId, String readerKind, long readerId, long seq) {
}
