package io.switchboard.event;

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

    @Inject
    EntityManager em;

    @Inject
    ObjectMapper json;

    @Inject
    SwitchboardConfig config;

    @Inject
    Pool pool;

    /** Inside the caller's transaction: PostgreSQL delivers it only when, and if, that transaction commits. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void publish(Event event) {
        em.createNativeQuery("select pg_notify(?1, ?2)")
                .setParameter(1, config.fanout().channel())
                .setParameter(2, payload(event))
                .getSingleResult();
    }

    /** At once, outside any transaction, through the reactive client: safe on the event loop. */
    public Uni<Void> publishNow(Event event) {
        return Uni.createFrom().item(() -> payload(event))
                .flatMap(payload -> pool.preparedQuery("select pg_notify($1, $2)")
                        .execute(Tuple.of(config.fanout().channel(), payload)))
                .replaceWithVoid();
    }

    private String payload(Event event) {
        try {
            return json.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("event not serialisable: " + event.getClass().getSimpleName(), e);
        }
    }
}
