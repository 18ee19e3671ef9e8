package io.switchboard.support;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A message as a receiving client saw it: compared whole across transports (seq, clientMsgId, author and
 * text and attachments must be identical everywhere).
 */
public record Received(long conversationId, long seq, String clientMsgId, String authorKind, long authorId,
        String authorName, String text, String sentAt, String attachments) {

    public static Received of(JsonNode message) {
        JsonNode author = message.get("author");
        return new Received(message.get("conversationId").asLong(), message.get("seq").asLong(),
                message.get("clientMsgId").asText(), author.get("kind").asText(), author.get("id").asLong(),
                author.get("name").asText(), message.get("text").asText(), message.get("sentAt").asText(),
                String.valueOf(message.get("attachments")));
    }
}
