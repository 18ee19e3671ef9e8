package io.switchboard.conversation;

import io.switchboard.api.ApiException;
import io.switchboard.api.ErrorCode;
import io.switchboard.event.Event;
import io.switchboard.event.EventPublisher;
import io.switchboard.identity.Agent;
import io.switchboard.identity.Caller;
import io.switchboard.identity.VisitorChanged;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

/**
 * Conversation lifecycle: start, status, assignment. The rules are on {@link Conversation}; each change is
 * announced on commit.
 */
@ApplicationScoped
public class Conversations {

    @Inject
    EventPublisher events;

    @Inject
    AutoAssigner autoAssigner;

    /**
     * An agent takes a conversation: it becomes theirs and open. Only one agent can: the row lock orders
     * simultaneous claims and the second gets 409 already_claimed.
     */
    @Transactional
    public void claim(Caller.AgentCaller agent, long id) {
        Conversation conversation = lock(id);
        if (conversation.claim(agent.id())) {
            changed(conversation);
        }
    }

    /** The visitor's newest conversation that is not resolved, or a new waiting one. Returns its id. */
    /**
     * A visitor's name or e-mail changed: its conversations that are not resolved are announced again (in the
     * same transaction, so on commit), so consoles show the new name in titles, lists and typing lines.
     */
    void visitorChanged(@Observes VisitorChanged change) {
        Conversation.<Conversation> find("visitorId = ?1 and status <> ?2", change.visitorId(), ConversationStatus.resolved)
                .stream().forEach(c -> events.publish(new Event.ConversationChanged(c.id)));
    }

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
        autoAssigner.assign(conversation);
        conversation.persist();
        events.publish(new Event.ConversationChanged(conversation.id));
        return conversation.id;
    }

    @Transactional
    public void changeStatus(Caller.AgentCaller agent, long id, ConversationStatus status) {
        Conversation conversation = lock(id);
        requireWrite(agent, conversation);
        if (conversation.changeStatus(status, agent.id())) {
            changed(conversation);
        }
    }

    @Transactional
    public void assign(Caller.AgentCaller agent, long id, Long agentId) {
        Conversation conversation = lock(id);
        requireWrite(agent, conversation);
        if (agentId != null && Agent.findById(agentId) == null) {
            throw new ApiException(ErrorCode.UNKNOWN_AGENT, "no agent with id " + agentId);
        }
        conversation.assign(agentId);
        changed(conversation);
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

    private void changed(Conversation conversation) {
        conversation.touch();
        events.publish(new Event.ConversationChanged(conversation.id));
    }
}
