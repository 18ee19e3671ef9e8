package io.switchboard.conversation;

import java.util.List;
import java.util.Optional;

import io.switchboard.config.SwitchboardConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

/**
 * Round-robin auto-assignment ({@code switchboard.assignment.auto}): a conversation that enters the queue
 * goes to the available agent (online, not away, connected on some replica) who was assigned longest ago.
 * Runs inside the caller's transaction; {@code SKIP LOCKED} keeps two replicas from picking the same agent
 * for two simultaneous conversations.
 */
@ApplicationScoped
public class AutoAssigner {

    @Inject
    EntityManager em;

    @Inject
    SwitchboardConfig config;

    @Transactional(Transactional.TxType.MANDATORY)
    @SuppressWarnings("unchecked")
    public Optional<Long> assign(Conversation conversation) {
        if (!config.assignment().auto() || conversation.status != ConversationStatus.waiting) {
            return Optional.empty();
        }
        List<Number> picked = em.createNativeQuery("""
                select a.id from agent a
                 where a.availability = 'online'
                   and exists (select 1 from agent_presence p
                                where p.agent_id = a.id and p.seen_at > now() - interval '30 seconds')
                 order by a.last_assigned_at nulls first, a.id
                 limit 1
                 for update of a skip locked""").getResultList();
        if (picked.isEmpty()) {
            return Optional.empty();
        }
        long agentId = picked.get(0).longValue();
        em.createNativeQuery("update agent set last_assigned_at = now() where id = ?1").setParameter(1, agentId)
                .executeUpdate();
        conversation.assignTo(agentId);
        return Optional.of(agentId);
    }
}
