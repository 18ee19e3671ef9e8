package io.switchboard.message;

import io.switchboard.api.ApiException;
import io.switchboard.api.Author;
import io.switchboard.api.AuthorKind;
import io.switchboard.conversation.Access;
import io.switchboard.conversation.AutoAssigner;
import io.switchboard.conversation.Conversation;
import io.switchboard.event.Event;
import io.switchboard.event.EventPublisher;
import io.switchboard.identity.Caller;
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
    AutoAssigner autoAssigner;

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
        AuthorKind kind = caller.author().kind();
        var existing = Message.findByClientId(kind, caller.id(), clientMsgId);
        if (existing.isPresent()) {
            Message original = existing.get();
            if (!original.conversationId.equals(conversationId)) {
                throw ApiException.conflict("client_msg_id_reused",
                        "this clientMsgId was already used for a message in another conversation");
            }
            return new SendResult(view(original, caller), true);
        }

        boolean statusChanged = caller.isAgent() ? conversation.agentReplied(caller.id()) : conversation.visitorWrote();
        if (statusChanged) {
            autoAssigner.assign(conversation);
        }
        conversation.lastSeq += 1;
        conversation.touch();

        Message message = new Message();
        message.conversationId = conversationId;
        message.seq = conversation.lastSeq;
        message.authorKind = kind;
        message.authorId = caller.id();
        message.clientMsgId = clientMsgId;
        message.text = text;
        message.persist();

        events.publish(new Event.MessageCommitted(conversationId, message.seq));
        if (statusChanged) {
            events.publish(new Event.ConversationChanged(conversationId));
        }
        return new SendResult(view(message, caller), false);
    }

    private static MessageView view(Message m, Caller caller) {
        return new MessageView(m.conversationId, m.seq, m.clientMsgId,
                new Author(m.authorKind, m.authorId, caller.displayName()), m.text, m.createdAt);
    }
}
