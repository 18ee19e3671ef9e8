package io.switchboard.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import io.switchboard.api.Author;
import io.switchboard.api.AuthorKind;
import io.switchboard.api.MessageView;

/** What a NOTIFY carries: the message when it fits PostgreSQL's 8000-byte limit, a hint when it does not. */
class EventPayloadTest {

    private final ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule());
    private final EventPublisher publisher = new EventPublisher();

    EventPayloadTest() {
        publisher.json = json;
    }

    private static MessageView message(String text) {
        return new MessageView(42, 7, "c-1", new Author(AuthorKind.visitor, 3L, "Teal Otter"), text, Instant.parse("2026-11-29T10:00:00Z"),
                6, false, null, List.of());
    }

    @Test
    void aMessageThatFitsTravelsInItsNotification() throws Exception {
        MessageView small = message("hello 👋");
        Event read = json.readValue(publisher.payload(new Event.MessageCommitted(small)), Event.class);
        assertEquals(new Event.MessageCommitted(42, 7, small), read);
    }

    @Test
    void aMessageTooBigForANotificationBecomesAHintReadByCursor() throws Exception {
        String payload = publisher.payload(new Event.MessageCommitted(message("中".repeat(4000))));
        assertTrue(payload.getBytes(StandardCharsets.UTF_8).length < 8000, payload.length() + " characters");
        Event.MessageCommitted hint = (Event.MessageCommitted) json.readValue(payload, Event.class);
        assertEquals(42, hint.conversationId());
        assertEquals(7, hint.seq());
        assertNull(hint.message());
    }
}
