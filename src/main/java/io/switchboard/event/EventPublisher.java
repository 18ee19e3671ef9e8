package io.switchboard.event;

import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.util.List;

import org.hibernate.Session;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.smallrye.mutiny.Uni;
import io.switchboard.config.SwitchboardConfig;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

/** Hands {@link Event}s to every replica through PostgreSQL NOTIFY on the fan-out channel. */
@ApplicationScoped
public class EventPublisher {

    /** PostgreSQL refuses payloads of 8000 bytes and more; leave room for the channel name. */
    static final int MAX_PAYLOAD_BYTES = 7900;

    @Inject
    EntityManager em;

    @Inject
    ObjectMapper json;

    @Inject
    SwitchboardConfig config;

    @Inject
    Pool pool;

    @Inject
    jakarta.enterprise.event.Event<EventsPublished> published;

    /** Inside the caller's transaction: PostgreSQL delivers it only when, and if, that transaction commits. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void publish(Event event) {
        publishAll(List.of(event));
    }

    /** Many events in one statement (a batch of messages), inside the caller's transaction, in this order. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void publishAll(List<? extends Event> batch) {
        if (batch.isEmpty()) {
            return;
        }
        String[] payloads = batch.stream().map(this::payload).toArray(String[]::new);
        em.unwrap(Session.class).doWork(connection -> {
            try (PreparedStatement notify = connection.prepareStatement("select pg_notify(?, p) from unnest(?) p")) {
                notify.setString(1, config.fanout().channel());
                notify.setArray(2, connection.createArrayOf("text", payloads));
                notify.executeQuery().close();
            }
        });
        published.fire(new EventsPublished(batch));
    }

    /** At once, outside any transaction, through the reactive client: safe on the event loop. */
    public Uni<Void> publishNow(Event event) {
        return Uni.createFrom().item(() -> payload(event))
                .flatMap(payload -> pool.preparedQuery("select pg_notify($1, $2)")
                        .execute(Tuple.of(config.fanout().channel(), payload)))
                .replaceWithVoid();
    }

    /**
     * The NOTIFY payload: the event as JSON, within PostgreSQL's 8000-byte limit. A committed message too big
     * to carry (4000 characters of a multi-byte script) goes as a hint, read by cursor on arrival.
     */
    public String payload(Event event) {
        String payload = json(event);
        if (payload.getBytes(StandardCharsets.UTF_8).length <= MAX_PAYLOAD_BYTES) {
            return payload;
        }
        if (event instanceof Event.MessageCommitted committed) {
            return json(committed.hint());
        }
        throw new IllegalStateException("event too big for a notification: " + event.getClass().getSimpleName());
    }

    private String json(Event event) {
        try {
            return json.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("event not serialisable: " + event.getClass().getSimpleName(), e);
        }
    }
}
