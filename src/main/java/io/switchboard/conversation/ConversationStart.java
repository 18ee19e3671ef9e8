package io.switchboard.conversation;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.switchboard.identity.VisitorSession;

/** The visitor's current conversation; {@code session} is set only when this call created the visitor. */
@RegisterForReflection
public record ConversationStart(ConversationView conversation, VisitorSession session) {
}
