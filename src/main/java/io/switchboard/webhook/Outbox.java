package io.switchboard.webhook;

import java.sql.PreparedStatement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.hibernate.Session;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.switchboard.conversation.ConversationStarted;
import io.switchboard.event.Event;
import io.switchboard.event.EventsPublished;
import io.switchboard.identity.VisitorIdentified;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

/**
 * Writes webhook events into the outbox in the transaction of what they tell — a message's send, a
 * conversation's creation or transition, a visitor's sign-in — so an event exists if and only if that
 * committed ("never fire after commit and hope"). One statement per batch: the events, and a delivery row for
 * every endpoint subscribed to each. With no endpoint registered it writes nothing.
 */
@ApplicationScoped
class Outbox {

    @Inject
    EntityManager em;

    @Inject
    ObjectMapper json;

    /** One event: its kind, conversation (or null) and the body every delivery of it sends. */
    record Entry(WebhookKind kind, Long conversationId, String body) {
    }

    void published(@Observes EventsPublished published) {
        List<Entry> entries = new ArrayList<>();
        for (Event event : published.events()) {
            if (event instanceof Event.MessageCommitted committed) {
                var m = committed.message();
                WebhookKind kind = m.event() == null ? WebhookKind.MESSAGE_CREATED : WebhookKind.of(m.event());
                Map<String, Object> data = m.event() == null
                        ? Map.of("conversationId", m.conversationId(), "message", m)
                        : new java.util.LinkedHashMap<>(Map.of("conversationId", m.conversationId(), "seq", m.seq()));
                if (m.event() != null && m.author().id() != null) {
                    data.put("agent", Map.of("id", m.author().id(), "name", m.author().name()));
                }
                entries.add(entry(kind, m.conversationId(), m.sentAt(), data));
            }
        }
        write(entries);
    }

    void started(@Observes ConversationStarted started) {
        write(List.of(entry(WebhookKind.CONVERSATION_CREATED, started.conversationId(), now(),
                Map.of("conversationId", started.conversationId(), "visitorId", started.visitorId()))));
    }

    void identified(@Observes VisitorIdentified identified) {
        Map<String, Object> data = new java.util.LinkedHashMap<>();
        data.put("visitorId", identified.visitorId());
        data.put("userId", identified.userId());
        data.put("mergedVisitorId", identified.mergedFrom());
        write(List.of(entry(WebhookKind.VISITOR_IDENTIFIED, null, now(), data)));
    }

    /** The body of the Standard Webhooks shape: {@code {type, timestamp, data}}. */
    private Entry entry(WebhookKind kind, Long conversationId, Instant at, Map<String, Object> data) {
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("type", kind.wire());
        body.put("timestamp", at.toString());
        body.put("data", data);
        try {
            return new Entry(kind, conversationId, json.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("webhook event not serialisable: " + kind, e);
        }
    }

    private void write(List<Entry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        String[] kinds = entries.stream().map(e -> e.kind().wire()).toArray(String[]::new);
        Long[] conversations = entries.stream().map(Entry::conversationId).toArray(Long[]::new);
        String[] bodies = entries.stream().map(Entry::body).toArray(String[]::new);
        em.unwrap(Session.class).doWork(connection -> {
            try (PreparedStatement insert = connection.prepareStatement("""
                    with events as (
                        insert into webhook_event (kind, conversation_id, body)
                        select t.kind, t.conversation_id, t.body
                          from unnest(?::varchar[], ?::bigint[], ?::text[]) with ordinality as t(kind, conversation_id, body, n)
                         where exists (select 1 from webhook_endpoint)
                         order by t.n
                        returning id, kind)
                    insert into webhook_delivery (endpoint_id, event_id)
                    select e.id, events.id from events join webhook_endpoint e on events.kind = any(e.events)""")) {
                insert.setArray(1, connection.createArrayOf("varchar", kinds));
                insert.setArray(2, connection.createArrayOf("bigint", conversations));
                insert.setArray(3, connection.createArrayOf("text", bodies));
                insert.executeUpdate();
            }
        });
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}
