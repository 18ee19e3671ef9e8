package io.switchboard.live;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.switchboard.config.SwitchboardConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

/**
 * Queues a {@link FanoutEvent} with {@code pg_notify} inside the caller's transaction. PostgreSQL delivers
 * it to every listening replica only when, and if, that transaction commits.
 */
@ApplicationScoped
public class EventPublisher {

    @Inject
    EntityManager em;

    @Inject
    ObjectMapper json;

    @Inject
    SwitchboardConfig config;

    @Inject
    io.vertx.mutiny.sqlclient.Pool pool;

    @Transactional(Transactional.TxType.MANDATORY)
    public void publish(FanoutEvent event) {
        try {
            em.createNativeQuery("select pg_notify(?1, ?2)")
                    .setParameter(1, config.fanout().channel())
                    .setParameter(2, json.writeValueAsString(event))
                    .getSingleResult();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("fan-out event not serialisable", e);
        }
    }

    public void messageCommitted(long conversationId, long seq) {
        publish(new FanoutEvent(FanoutEvent.Kind.message, conversationId, seq, null));
    }

    public void conversationChanged(long conversationId, long lastSeq) {
        publish(new FanoutEvent(FanoutEvent.Kind.conversation, conversationId, lastSeq, null));
    }

    public void read(long conversationId, String reader, long seq) {
        publish(new FanoutEvent(FanoutEvent.Kind.read, conversationId, seq, reader));
    }

    /**
     * Typing is ephemeral: no transaction, nothing stored; the notification goes out at once through the
     * reactive client (non-blocking, so it may be called from the event loop).
     */
    public io.smallrye.mutiny.Uni<Void> typing(long conversationId, String subject) {
        return ephemeral(FanoutEvent.Kind.typing, conversationId, subject);
    }

    public io.smallrye.mutiny.Uni<Void> viewing(long conversationId, String subject) {
        return ephemeral(FanoutEvent.Kind.viewing, conversationId, subject);
    }

    private io.smallrye.mutiny.Uni<Void> ephemeral(FanoutEvent.Kind kind, long conversationId, String subject) {
        return notifyNow(new FanoutEvent(kind, conversationId, 0, subject));
    }

    /** NOTIFY at once, outside any transaction (ephemeral events: typing, viewing, presence). */
    private io.smallrye.mutiny.Uni<Void> notifyNow(FanoutEvent event) {
        try {
            String payload = json.writeValueAsString(event);
            return pool.preparedQuery("select pg_notify($1, $2)")
                    .execute(io.vertx.mutiny.sqlclient.Tuple.of(config.fanout().channel(), payload)).replaceWithVoid();
        } catch (JsonProcessingException e) {
            return io.smallrye.mutiny.Uni.createFrom().failure(e);
        }
    }

    /** Presence changes outside any transaction, through the reactive client. */
    public io.smallrye.mutiny.Uni<Void> presence(long agentId) {
        return notifyNow(new FanoutEvent(FanoutEvent.Kind.presence, 0, agentId, null));
    }

    public void tokenRevoked(String tokenHash) {
        publish(new FanoutEvent(FanoutEvent.Kind.revoked, 0, 0, tokenHash));
    }
}
