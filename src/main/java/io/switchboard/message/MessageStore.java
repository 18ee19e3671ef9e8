package io.switchboard.message;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.hibernate.Session;

import io.switchboard.api.ApiException;
import io.switchboard.api.AttachmentView;
import io.switchboard.api.AuthorKind;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MessageView;
import io.switchboard.attachment.SentAttachments;
import io.switchboard.conversation.Access;
import io.switchboard.conversation.AutoAssigner;
import io.switchboard.conversation.Conversation;
import io.switchboard.conversation.ConversationRows;
import io.switchboard.event.Event;
import io.switchboard.event.EventPublisher;
import io.switchboard.identity.Caller;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

/**
 * The one write path for messages: a batch of sends in one transaction (group commit). The conversations
 * are locked in id order (writers never deadlock), a retried {@code clientMsgId} returns the original, each
 * new message takes its conversation's next seq in the batch's order, all new messages are inserted by one
 * statement and announced by one more, and the notifications fire only on commit. Callers go through
 * {@link Messages}, which validates first, and {@link MessageWriter}, which forms the batches.
 */
@ApplicationScoped
class MessageStore {

    /** One send waiting to be written, and where its answer goes. */
    record Send(Caller caller, long conversationId, String clientMsgId, String text, boolean internal,
            List<UUID> attachments, long enqueuedAt, CompletableFuture<SendResult> result) {
        Key key() {
            return new Key(caller.author().kind(), caller.id(), clientMsgId);
        }
    }

    /** What became of one send: a result, or the refusal its sender gets. */
    record Outcome(SendResult result, ApiException refusal) {
        static Outcome refused(ApiException refusal) {
            return new Outcome(null, refusal);
        }
    }

    /** A message's identity for retries: its author and their {@code clientMsgId}. */
    record Key(AuthorKind kind, long authorId, String clientMsgId) {
    }

    private static final String ORIGINALS = """
            select m.conversation_id, m.seq, m.author_kind, m.author_id, m.client_msg_id, m.text, m.created_at,
                   m.prev_public, m.internal, m.attachments
              from message m
              join unnest(?, ?, ?) as k (author_kind, author_id, client_msg_id)
                on m.author_kind = k.author_kind and m.author_id = k.author_id and m.client_msg_id = k.client_msg_id""";
    private static final String INSERT = """
            insert into message (conversation_id, seq, author_kind, author_id, text, client_msg_id, prev_public, internal,
                                 event, attachments, created_at)
            select u.conversation_id, u.seq, u.author_kind, u.author_id, u.text, u.client_msg_id, u.prev_public, u.internal,
                   u.event, u.attachments::jsonb, ?
              from unnest(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                as u (conversation_id, seq, author_kind, author_id, text, client_msg_id, prev_public, internal, event,
                      attachments)""";

    @Inject EntityManager em;
    @Inject EventPublisher events;
    @Inject AutoAssigner autoAssigner;
    @Inject SystemMessages systemMessages;

    /** The outcomes in the batch's order; throws only when the transaction itself fails. */
    @Transactional
    List<Outcome> append(List<Send> batch) {
        Map<Long, Conversation> conversations = lock(batch);
        Map<Key, MessageView> known = originals(batch);
        Map<UUID, SentAttachments.Upload> uploads = uploads(batch);
        Set<UUID> taken = new HashSet<>();
        List<UUID> claimed = new ArrayList<>();
        List<Long> claimedBy = new ArrayList<>();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        List<Outcome> outcomes = new ArrayList<>(batch.size());
        List<MessageView> fresh = new ArrayList<>();
        Set<Long> changed = new LinkedHashSet<>();
        for (Send send : batch) {
            Conversation conversation = conversations.get(send.conversationId());
            Caller caller = send.caller();
            if (conversation == null || !Access.canSee(caller, conversation.visitorId)) {
                outcomes.add(Outcome.refused(ApiException.conversationNotFound()));
                continue;
            }
            // A private note is how a colleague helps: any agent who sees the conversation may write one.
            if (!send.internal() && !Access.canWrite(caller, conversation.visitorId, conversation.assigneeId)) {
                outcomes.add(Outcome.refused(new ApiException(ErrorCode.ASSIGNED_TO_ANOTHER_AGENT,
                        "this conversation is assigned to another agent; ask them or an admin to transfer it")));
                continue;
            }
            MessageView original = known.get(send.key());
            if (original != null) {
                outcomes.add(original.conversationId() == send.conversationId() ? new Outcome(new SendResult(original, true), null)
                        : Outcome.refused(new ApiException(ErrorCode.CLIENT_MSG_ID_REUSED,
                                "this clientMsgId was already used for a message in another conversation")));
                continue;
            }
            List<AttachmentView> files = new ArrayList<>(send.attachments().size());
            ApiException unusable = attachments(send, uploads, taken, files);
            if (unusable != null) {
                outcomes.add(Outcome.refused(unusable));
                continue;
            }
            Conversation.State before = conversation.state();
            if (!send.internal() && (caller.isAgent() ? conversation.agentReplied(caller.id()) : conversation.visitorWrote())) {
                autoAssigner.assign(conversation);
                changed.add(conversation.id);
                // "Alice joined", "reopened": in the timeline just before the message that caused it.
                fresh.addAll(systemMessages.compose(conversation,
                        conversation.transitionsSince(before, caller.isAgent() ? caller.id() : null), now));
            }
            Conversation.Slot slot = conversation.nextSlot(send.internal());
            MessageView message = new MessageView(conversation.id, slot.seq(), send.clientMsgId(),
                    caller.author(), send.text(), now, slot.prevPublic(), send.internal(), null, files);
            send.attachments().forEach(id -> {
                taken.add(id);
                claimed.add(id);
                claimedBy.add(slot.seq());
            });
            known.put(send.key(), message);
            fresh.add(message);
            outcomes.add(new Outcome(new SendResult(message, false), null));
        }
        if (!fresh.isEmpty()) {
            em.unwrap(Session.class).doWork(connection -> {
                insert(connection, fresh, now);
                // Not managed by Hibernate: every conversation that took a message is written back here.
                ConversationRows.update(connection, fresh.stream().map(MessageView::conversationId).distinct()
                        .map(conversations::get).toList());
                SentAttachments.claim(connection, claimed, claimedBy);
            });
        }
        List<Event> notices = new ArrayList<>(fresh.size() + changed.size());
        fresh.forEach(m -> notices.add(new Event.MessageCommitted(m)));
        changed.forEach(id -> notices.add(new Event.ConversationChanged(id)));
        events.publishAll(notices);
        return outcomes;
    }

    /** Every conversation of the batch, locked in id order so that concurrent writers never deadlock. */
    private Map<Long, Conversation> lock(List<Send> batch) {
        List<Long> ids = batch.stream().map(Send::conversationId).distinct().sorted().toList();
        return em.unwrap(Session.class).doReturningWork(connection -> ConversationRows.lock(connection, ids));
    }

    /** The uploads the batch's sends name, locked (a sweep or a cancel cannot delete one being sent). */
    private Map<UUID, SentAttachments.Upload> uploads(List<Send> batch) {
        Set<UUID> ids = new HashSet<>();
        batch.forEach(send -> ids.addAll(send.attachments()));
        return ids.isEmpty() ? Map.of() : em.unwrap(Session.class).doReturningWork(connection -> SentAttachments.lock(connection, ids));
    }

    /**
     * Checks a send's attachments and puts their views in {@code files}: each must be the sender's upload into
     * this conversation, complete and not on another message (nor taken by an earlier send of this batch).
     * The refusal, or null.
     */
    private static ApiException attachments(Send send, Map<UUID, SentAttachments.Upload> uploads, Set<UUID> taken,
            List<AttachmentView> files) {
        for (UUID id : send.attachments()) {
            SentAttachments.Upload upload = uploads.get(id);
            Caller caller = send.caller();
            if (upload == null || upload.conversationId() != send.conversationId()
                    || upload.uploaderKind() != caller.author().kind() || upload.uploaderId() != caller.id()) {
                return new ApiException(ErrorCode.ATTACHMENT_NOT_FOUND,
                        "attachment " + id + " is not one of your uploads into this conversation");
            }
            if (upload.messageSeq() != null || taken.contains(id)) {
                return new ApiException(ErrorCode.ATTACHMENT_ALREADY_SENT, "attachment " + id + " is already on a message");
            }
            files.add(upload.view());
        }
        return null;
    }

    /** Messages already stored under the batch's (author, clientMsgId) keys: retries. */
    private Map<Key, MessageView> originals(List<Send> batch) {
        Map<Key, Caller> authors = new HashMap<>();
        batch.forEach(send -> authors.putIfAbsent(send.key(), send.caller()));
        return em.unwrap(Session.class).doReturningWork(connection -> {
            Map<Key, MessageView> found = new HashMap<>();
            try (PreparedStatement select = connection.prepareStatement(ORIGINALS)) {
                select.setArray(1, connection.createArrayOf("text", authors.keySet().stream().map(k -> k.kind().name()).toArray()));
                select.setArray(2, connection.createArrayOf("bigint", authors.keySet().stream().map(Key::authorId).toArray()));
                select.setArray(3, connection.createArrayOf("text", authors.keySet().stream().map(Key::clientMsgId).toArray()));
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        Key key = new Key(AuthorKind.valueOf(rows.getString("author_kind")), rows.getLong("author_id"),
                                rows.getString("client_msg_id"));
                        found.put(key, new MessageView(rows.getLong("conversation_id"), rows.getLong("seq"),
                                key.clientMsgId(), authors.get(key).author(), rows.getString("text"),
                                rows.getObject("created_at", OffsetDateTime.class).toInstant(), rows.getLong("prev_public"),
                                rows.getBoolean("internal"), null, SentAttachments.fromJson(rows.getString("attachments"))));
                    }
                }
            }
            return found;
        });
    }

    /** Inserts new messages (sent or system) with one statement. */
    static void insert(Connection connection, List<MessageView> fresh, Instant now) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
            insert.setObject(1, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
            insert.setArray(2, connection.createArrayOf("bigint", fresh.stream().map(MessageView::conversationId).toArray()));
            insert.setArray(3, connection.createArrayOf("bigint", fresh.stream().map(MessageView::seq).toArray()));
            insert.setArray(4, connection.createArrayOf("text", fresh.stream().map(m -> m.author().kind().name()).toArray()));
            insert.setArray(5, connection.createArrayOf("bigint", fresh.stream().map(m -> m.author().id()).toArray()));
            insert.setArray(6, connection.createArrayOf("text", fresh.stream().map(MessageView::text).toArray()));
            insert.setArray(7, connection.createArrayOf("text", fresh.stream().map(MessageView::clientMsgId).toArray()));
            insert.setArray(8, connection.createArrayOf("bigint", fresh.stream().map(MessageView::prevPublic).toArray()));
            insert.setArray(9, connection.createArrayOf("boolean", fresh.stream().map(MessageView::internal).toArray()));
            insert.setArray(10, connection.createArrayOf("text",
                    fresh.stream().map(m -> m.event() == null ? null : m.event().name()).toArray()));
            insert.setArray(11, connection.createArrayOf("text",
                    fresh.stream().map(m -> SentAttachments.toJson(m.attachments())).toArray()));
            insert.executeUpdate();
        }
    }
}
