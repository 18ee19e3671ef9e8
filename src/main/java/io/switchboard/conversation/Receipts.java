package io.switchboard.conversation;

import java.math.BigInteger;
import java.util.List;

import io.switchboard.api.ApiException;
import io.switchboard.api.ErrorCode;
import io.switchboard.event.Event;
import io.switchboard.event.EventPublisher;
import io.switchboard.identity.Caller;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

/**
 * Read receipts, stored as one read cursor per participant and conversation. A cursor only moves forward
 * and never past the conversation's last seq; each move is announced on commit.
 */
@ApplicationScoped
public class Receipts {

    @Inject
    EntityManager em;

    @Inject
    EventPublisher events;

    @Transactional
    public ReadReceipt markRead(Caller caller, long conversationId, long seq) {
        Conversation conversation = Conversation.findById(conversationId);
        if (conversation == null || !Access.canSee(caller, conversation.visitorId)) {
            throw ApiException.conversationNotFound();
        }
        // A visitor's bound is the last message it can see: the answer must not reveal that notes follow it.
        long last = caller.isAgent() ? conversation.lastSeq : conversation.lastPublicSeq;
        if (seq < 0 || seq > last) {
            throw new ApiException(ErrorCode.INVALID_CURSOR,
                    "seq must be between 0 and the conversation's last seq (" + last + ")");
        }
        String kind = kind(caller);
        // Moves the cursor only forward; "moved" is null when it stayed where it was, and then nobody is told.
        Object[] row = (Object[]) em.createNativeQuery("""
                with moved as (
                    insert into read_cursor (conversation_id, reader_kind, reader_id, last_read_seq)
                    values (?1, ?2, ?3, ?4)
                    on conflict (conversation_id, reader_kind, reader_id)
                    do update set last_read_seq = excluded.last_read_seq, updated_at = now()
                     where read_cursor.last_read_seq < excluded.last_read_seq
                    returning last_read_seq)
                select (select last_read_seq from moved),
                       (select last_read_seq from read_cursor
                         where conversation_id = ?1 and reader_kind = ?2 and reader_id = ?3)""")
                .setParameter(1, conversationId).setParameter(2, kind).setParameter(3, caller.id())
                .setParameter(4, seq).getSingleResult();
        long cursor = row[0] != null ? number(row[0]) : number(row[1]);
        if (row[0] != null) {
            events.publish(new Event.ReadMoved(conversationId, caller.author(), cursor,
                    caller.isAgent() ? publicUpTo(conversationId, cursor) : cursor));
        }
        return new ReadReceipt(conversationId, kind, caller.id(), cursor);
    }

    @Transactional
    @SuppressWarnings("unchecked")
    public List<ReadReceipt> of(Caller caller, long conversationId) {
        Conversation conversation = Conversation.findById(conversationId);
        if (conversation == null || !Access.canSee(caller, conversation.visitorId)) {
            throw ApiException.conversationNotFound();
        }
        List<Object[]> rows = em.createNativeQuery("select reader_kind, reader_id, " + ConversationReader.readSeq("?2")
                + " from read_cursor r where conversation_id = ?1 order by reader_kind, reader_id")
                .setParameter(1, conversationId).setParameter(2, caller.isAgent()).getResultList();
        return rows.stream().map(r -> new ReadReceipt(conversationId, (String) r[0], number(r[1]), number(r[2]))).toList();
    }

    /** The newest message up to {@code seq} that visitors can see (0 if none). */
    private long publicUpTo(long conversationId, long seq) {
        return number(em.createNativeQuery("select " + ConversationReader.publicSeqUpTo("?1", "?2"))
                .setParameter(1, conversationId).setParameter(2, seq).getSingleResult());
    }

    private static String kind(Caller caller) {
        return caller.author().kind().name();
    }

    private static long number(Object value) {
        return value instanceof BigInteger b ? b.longValue() : ((Number) value).longValue();
    }
}
