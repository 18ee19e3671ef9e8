package io.switchboard.conversation;

import java.util.List;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** One page of a conversation list, newest activity first. */
@RegisterForReflection
public record ConversationPage(List<ConversationView> items, int page, int size, long total) {
}
