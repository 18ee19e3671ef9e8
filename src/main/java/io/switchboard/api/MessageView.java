package io.switchboard.api;

import java.time.Instant;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** A message on the wire, identical on every transport. */
@RegisterForReflection
public record MessageView(long conversationId, long seq, String clientMsgId, Author author, String text, Instant sentAt) {
}
