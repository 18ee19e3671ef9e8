package io.switchboard.conversation;

/** A conversation was created (CDI event, fired inside the creating transaction, before its first transition). */
public record ConversationStarted(long conversationId, long visitorId) {
}
