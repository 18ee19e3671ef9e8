package io.switchboard.conversation;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

import io.switchboard.api.ApiException;
import io.switchboard.identity.Agent;
import io.switchboard.identity.Caller;
import io.switchboard.live.EventPublisher;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

/** Conversation lifecycle: start, status, assignment. Each change is announced on commit. */
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
        if (conversation.assigneeId != null && conversation.assigneeId != agent.id()) {
            throw ApiException.conflict("already_claimed", "another agent has already taken this conversation");
        }
        if (conversation.assigneeId == null || conversation.status != ConversationStatus.open) {
            conversation.assigneeId = agent.id();
            conversation.status = ConversationStatus.open;
            touch(conversation);
        }
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
        autoAssigner.assign(conversation);
        conversation.persist();
        events.conversationChanged(conversation.id, 0);
        return conversation.id;
    }

    @Transactional
    public void changeStatus(Caller.AgentCaller agent, long id, ConversationStatus status) {
        Conversation conversation = lock(id);
        requireWrite(agent, conversation);
        if (conversation.status == status) {
            return;
        }
        if (status == ConversationStatus.waiting) {
            conversation.enqueue();
        } else {
            conversation.status = status;
        }
        if (status == ConversationStatus.open && conversation.assigneeId == null) {
            conversation.assigneeId = agent.id();
        }
        touch(conversation);
    }

    @Transactional
    public void assign(Caller.AgentCaller agent, long id, Long agentId) {
        Conversation conversation = lock(id);
        requireWrite(agent, conversation);
        if (agentId != null && Agent.findById(agentId) == null) {
            throw ApiException.badRequest("unknown_agent", "no agent with id " + agentId);
        }
        conversation.assigneeId = agentId;
        if (agentId != null && conversation.status == ConversationStatus.waiting) {
            conversation.status = ConversationStatus.open;
        }
        touch(conversation);
    }

    private static void requireWrite(Caller.AgentCaller agent, Conversation conversation) {
        if (!Access.canWrite(agent, conversation.visitorId, conversation.assigneeId)) {
            throw new ApiException(403, "assigned_to_another_agent",
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

    private void touch(Conversation conversation) {
        conversation.updatedAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
        events.conversationChanged(conversation.id, conversation.lastSeq);
    }
}
