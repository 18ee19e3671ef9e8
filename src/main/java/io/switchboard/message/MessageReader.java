package io.switchboard.message;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import io.smallrye.mutiny.Uni;
import io.switchboard.api.Author;
import io.switchboard.api.AuthorKind;
import io.switchboard.api.MessageView;
import io.switchboard.api.SystemEvent;
import io.switchboard.attachment.SentAttachments;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The cursor every transport reads: "the messages of conversation C after seq N". Non-blocking, so it runs
 * on the event loop for fan-out, streams and long-polls alike. {@code seesNotes} is false for a visitor:
 * agents' private notes are left out in the query itself, so no path can hand one to a visitor.
 */
@ApplicationScoped
public class MessageReader {

    private static final String SELECT = """
            select m.conversation_id, m.seq, m.client_msg_id, m.author_kind, m.author_id, m.text, m.created_at,
                   m.prev_public, m.internal, m.event, m.attachments,
                   coalesce(a.display_name, v.display_name, 'Switchboard') as author_name
              from message m
              left join agent a on m.author_kind in ('agent', 'system') and a.id = m.author_id
              left join visitor v on m.author_kind = 'visitor' and v.id = m.author_id
            """;

    @Inject
    Pool pool;

    /** Up to {@code limit} messages with seq greater than {@code after}, in seq order. */
    public Uni<List<MessageView>> after(long conversationId, long after, int limit, boolean seesNotes) {
        return pool.preparedQuery(SELECT + " where m.conversation_id = $1 and m.seq > $2" + audience(seesNotes)
                + " order by m.seq limit $3")
                .execute(Tuple.of(conversationId, after, limit))
                .map(MessageReader::mapAll);
    }

    /** The {@code limit} messages just before {@code before}, in seq order: a page of history going backwards. */
    public Uni<List<MessageView>> before(long conversationId, long before, int limit, boolean seesNotes) {
        return pool.preparedQuery(SELECT + " where m.conversation_id = $1 and m.seq < $2" + audience(seesNotes)
                + " order by m.seq desc limit $3")
                .execute(Tuple.of(conversationId, before, limit))
                .map(rows -> {
                    List<MessageView> page = mapAll(rows);
                    Collections.reverse(page);
                    return page;
                });
    }

    private static String audience(boolean seesNotes) {
        return seesNotes ? "" : " and not m.internal";
    }

    private static List<MessageView> mapAll(RowSet<Row> rows) {
        List<MessageView> views = new ArrayList<>(rows.size());
        for (Row r : rows) {
            views.add(new MessageView(r.getLong("conversation_id"), r.getLong("seq"), r.getString("client_msg_id"),
                    new Author(AuthorKind.valueOf(r.getString("author_kind")), r.getLong("author_id"),
                            r.getString("author_name")),
                    r.getString("text"), r.getOffsetDateTime("created_at").toInstant(), r.getLong("prev_public"),
                    r.getBoolean("internal"), r.getString("event") == null ? null : SystemEvent.valueOf(r.getString("event")),
                    SentAttachments.fromJson(r.getValue("attachments"))));
        }
        return views;
    }
}
