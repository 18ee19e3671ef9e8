package io.switchboard.message;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

import io.switchboard.api.ApiException;
import io.switchboard.conversation.Access;
import io.switchboard.conversation.Conversation;
import io.switchboard.conversation.ConversationStatus;
import io.switchboard.identity.Caller;
import io.switchboard.live.EventPublisher;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

/** The one write path for messages. Callers go through {@link Messages}, which validates first. */
@ApplicationScoped
class MessageStore {

    @Inject
    EventPublisher events;

    @Inject
    io.switchboard.conversation.AutoAssigner autoAssigner;

    /**
     * Locks the conversation row, so senders to one conversation queue up; returns the original message when
     * this author already sent {@code clientMsgId}; otherwise takes the next seq, inserts, and queues the
     * NOTIFY that fires on commit.
     */
    @Transactional
    SendResult append(Caller caller, long conversationId, String clientMsgId, String text) {
        Conversation conversation = Conversation.findById(conversationId, LockModeType.PESSIMISTIC_WRITE);
        if (conversation == null || !Access.canSee(caller, conversation.visitorId)) {
            throw ApiException.conversationNotFound();
        }
        if (!Access.canWrite(caller, conversation.visitorId, conversation.assigneeId)) {
            throw new ApiException(403, "assigned_to_another_agent",
                    "this conversation is assigned to another agent; ask them or an admin to transfer it");
        }
        AuthorKind kind = caller instanceof Caller.AgentCaller ? AuthorKind.agent : AuthorKind.visitor;
        var existing = Message.findByClientId(kind, caller.id(), clientMsgId);
        if (existing.isPresent()) {
            Message original = existing.get();
            if (!original.conversationId.equals(conversationId)) {
                throw ApiException.conflict("client_msg_id_reused",
                        "this clientMsgId was already used for a message in another conversation");
            }
            return new SendResult(view(original, caller), true);
        }

        boolean statusChanged = false;
        if (kind == AuthorKind.visitor && conversation.status == ConversationStatus.resolved) {
            conversation.enqueue();
            autoAssigner.assign(conversation);
            statusChanged = true;
        } else if (kind == AuthorKind.agent && conversation.status == ConversationStatus.waiting) {
            conversation.status = ConversationStatus.open;
            if (conversation.assigneeId == null) {
                conversation.assigneeId = caller.id();
            }
            statusChanged = true;
        }
        conversation.lastSeq += 1;
        conversation.updatedAt = Instant.now().truncatedTo(ChronoUnit.MICROS);

        Message message = new Message();
        message.conversationId = conversationId;
        message.seq = conversation.lastSeq;
        message.authorKind = kind;
        message.authorId = caller.id();
        message.clientMsgId = clientMsgId;
        message.text = text;
        message.persist();

        events.messageCommitted(conversationId, message.seq);
        if (statusChanged) {
            events.conversationChanged(conversationId, message.seq);
        }
        return new SendResult(view(message, caller), false);
    }

    private static MessageView view(Message m, Caller caller) {
        return new MessageView(m.conversationId, m.seq, m.clientMsgId,
                new MessageView.Author(m.authorKind, m.authorId, caller.displayName()), m.text, m.createdAt);
    }
}
