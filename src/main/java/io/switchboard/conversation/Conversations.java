package io.switchboard.conversation;

import java.util.List;

import io.switchboard.api.ApiException;
import io.switchboard.api.ErrorCode;
import io.switchboard.event.Event;
import io.switchboard.event.EventPublisher;
import io.switchboard.identity.Agent;
import io.switchboard.identity.Caller;
import io.switchboard.identity.VisitorChanged;
import io.switchboard.identity.VisitorsMerged;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

/**
 * Conversation lifecycle: start, status, assignment. The rules are on {@link Conversation}; each change is
 * announced on commit.
 */
@ApplicationScoped
public class Conversations {

    /** The most labels one conversation carries: a hostile client cannot grow a conversation's list. */
    static final int MAX_LABELS = 10;

    @Inject
    EventPublisher events;

    @Inject
    AutoAssigner autoAssigner;

    @Inject
    jakarta.enterprise.event.Event<ConversationTransitioned> transitioned;

    @Inject
    jakarta.enterprise.event.Event<ConversationStarted> started;

    /**
     * An agent takes a conversation: it becomes theirs and open. Only one agent can: the row lock orders
     * simultaneous claims and the second gets 409 already_claimed.
     */
    @Transactional
    public void claim(Caller.AgentCaller agent, long id) {
        Conversation conversation = lock(id);
        Conversation.State before = conversation.state();
        if (conversation.claim(agent.id())) {
            changed(conversation, before, agent.id());
        }
    }

    /**
     * A visitor's name or e-mail changed: its conversations that are not resolved are announced again (in the
     * same transaction, so on commit), so consoles show the new name in titles, lists and typing lines.
     */
    void visitorChanged(@Observes VisitorChanged change) {
        Conversation.<Conversation> find("visitorId = ?1 and status <> ?2", change.visitorId(), ConversationStatus.resolved)
                .stream().forEach(c -> events.publish(new Event.ConversationChanged(c.id)));
    }

    /**
     * An anonymous visitor signed in as a known one: its conversations move whole to that visitor (their
     * messages and seqs do not change, so every cursor stays true), with its own messages' author and its read
     * cursors; consoles are told of each. A message keeps its old author only where the known visitor already
     * used its {@code clientMsgId} (idempotency keys stay unique per author). Locked in id order, like every
     * other change to a conversation.
     */
    void visitorsMerged(@Observes VisitorsMerged merge) {
        EntityManager em = Conversation.getEntityManager();
        @SuppressWarnings("unchecked")
        List<Number> moved = em.createNativeQuery("select id from conversation where visitor_id = ?1 order by id for update")
                .setParameter(1, merge.from()).getResultList();
        if (moved.isEmpty()) {
            return;
        }
        em.createNativeQuery("update conversation set visitor_id = ?1 where visitor_id = ?2")
                .setParameter(1, merge.into()).setParameter(2, merge.from()).executeUpdate();
        em.createNativeQuery("""
                update message m set author_id = ?1
                 where m.author_kind = 'visitor' and m.author_id = ?2
                   and not exists (select 1 from message o
                                    where o.author_kind = 'visitor' and o.author_id = ?1 and o.client_msg_id = m.client_msg_id)""")
                .setParameter(1, merge.into()).setParameter(2, merge.from()).executeUpdate();
        em.createNativeQuery("update read_cursor set reader_id = ?1 where reader_kind = 'visitor' and reader_id = ?2")
                .setParameter(1, merge.into()).setParameter(2, merge.from()).executeUpdate();
        moved.forEach(id -> events.publish(new Event.ConversationChanged(id.longValue())));
    }

    /** The visitor's newest conversation that is not resolved, or a new waiting one. Returns its id. */
    @Transactional
    public long currentFor(long visitorId) {
        Conversation current = Conversation
                .<Conversation> find("visitorId = ?1 and status <> ?2 order by updatedAt desc", visitorId,
                        ConversationStatus.resolved)
                .firstResult();
        if (current != null) {
            return current.id;
        }
        Conversation conversation = new Conversation();
        conversation.visitorId = visitorId;
        Conversation.State before = conversation.state();
        autoAssigner.assign(conversation);
        conversation.persist();
        started.fire(new ConversationStarted(conversation.id, visitorId));
        changed(conversation, before, null);
        return conversation.id;
    }

    @Transactional
    public void changeStatus(Caller.AgentCaller agent, long id, ConversationStatus status) {
        Conversation conversation = lock(id);
        requireWrite(agent, conversation);
        Conversation.State before = conversation.state();
        if (conversation.changeStatus(status, agent.id())) {
            changed(conversation, before, agent.id());
        }
    }

    @Transactional
    public void assign(Caller.AgentCaller agent, long id, Long agentId) {
        Conversation conversation = lock(id);
        requireWrite(agent, conversation);
        if (agentId != null && Agent.findById(agentId) == null) {
            throw new ApiException(ErrorCode.UNKNOWN_AGENT, "no agent with id " + agentId);
        }
        Conversation.State before = conversation.state();
        conversation.assign(agentId);
        changed(conversation, before, agent.id());
    }

    /**
     * Replaces a conversation's labels. Any agent may label any conversation (labels sort the team's work;
     * they are never shown to the visitor). At most {@link #MAX_LABELS}, each normalised, duplicates merged.
     */
    @Transactional
    public void label(long id, List<String> labels) {
        List<String> wanted = labels.stream().map(ConversationFilter::normaliseLabel).distinct().sorted().toList();
        if (wanted.size() > MAX_LABELS) {
            throw new ApiException(ErrorCode.INVALID_LABEL, "at most " + MAX_LABELS + " labels on a conversation");
        }
        Conversation conversation = lock(id);
        EntityManager em = Conversation.getEntityManager();
        em.createNativeQuery("delete from conversation_label where conversation_id = ?1").setParameter(1, id).executeUpdate();
        for (String label : wanted) {
            em.createNativeQuery("insert into conversation_label (conversation_id, label) values (?1, ?2)")
                    .setParameter(1, id).setParameter(2, label).executeUpdate();
        }
        events.publish(new Event.ConversationChanged(conversation.id));
    }

    private static void requireWrite(Caller.AgentCaller agent, Conversation conversation) {
        if (!Access.canWrite(agent, conversation.visitorId, conversation.assigneeId)) {
            throw new ApiException(ErrorCode.ASSIGNED_TO_ANOTHER_AGENT,
                    "this conversation is assigned to another agent; only they or an admin can change it");
        }
    }

    private Conversation lock(long id) {
        Conversation conversation = Conversation.findById(id, LockModeType.PESSIMISTIC_WRITE);
        if (conversation == null) {
            throw ApiException.conversationNotFound();
        }
        return conversation;
    }

    /** Announced on commit; each transition is recorded in the timeline, in this transaction. */
    private void changed(Conversation conversation, Conversation.State before, Long actorId) {
        conversation.touch();
        List<Conversation.Transition> transitions = conversation.transitionsSince(before, actorId);
        if (!transitions.isEmpty()) {
            transitioned.fire(new ConversationTransitioned(conversation, transitions));
        }
        events.publish(new Event.ConversationChanged(conversation.id));
    }
}
