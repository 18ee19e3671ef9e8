package io.switchboard.conversation;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.smallrye.mutiny.Uni;
import io.switchboard.api.ApiException;
import io.switchboard.identity.Caller;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** Non-blocking conversation reads, safe on the event loop (fan-out, streams, long-polls). */
@ApplicationScoped
public class ConversationReader {

    private static final String SELECT = """
            select c.id, c.visitor_id, v.display_name as visitor_name, c.status, c.assignee_id,
                   a.display_name as assignee_name, c.last_seq, c.created_at, c.updated_at, c.waiting_since
              from conversation c
              join visitor v on v.id = c.visitor_id
              left join agent a on a.id = c.assignee_id
            """;

    @Inject
    Pool pool;

    public Uni<Optional<ConversationView>> find(long id) {
        return pool.preparedQuery(SELECT + " where c.id = $1").execute(Tuple.of(id))
                .map(rows -> rows.iterator().hasNext() ? Optional.of(map(rows.iterator().next())) : Optional.empty());
    }

    /** Every participant's read cursor in a conversation (a visitor's and each agent's who read it). */
    public Uni<List<ReadReceipt>> reads(long id) {
        return pool.preparedQuery("""
                select reader_kind, reader_id, last_read_seq from read_cursor
                 where conversation_id = $1 order by reader_kind, reader_id""").execute(Tuple.of(id))
                .map(rows -> {
                    List<ReadReceipt> reads = new ArrayList<>();
                    for (Row r : rows) {
                        reads.add(new ReadReceipt(id, r.getString("reader_kind"), r.getLong("reader_id"), r.getLong("last_read_seq")));
                    }
                    return reads;
                });
    }

    /** The conversation if this caller may see it; otherwise 404, so visitors learn nothing of others'. */
    public Uni<ConversationView> visibleTo(Caller caller, long id) {
        return find(id).map(found -> found.filter(c -> Access.canSee(caller, c.visitor().id()))
                .orElseThrow(ApiException::conversationNotFound));
    }

    /**
     * Where a conversation stands in the waiting queue: 1 = next to be picked. Zero when it is not waiting.
     */
    public Uni<QueuePosition> queuePosition(long id) {
        return pool.preparedQuery("""
                select c.status,
                       (select count(*) from conversation w where w.status = 'waiting'
                           and (w.waiting_since, w.id) < (c.waiting_since, c.id)) as ahead,
                       (select count(*) from conversation w where w.status = 'waiting') as waiting
                  from conversation c where c.id = $1""").execute(Tuple.of(id))
                .map(rows -> {
                    Row r = rows.iterator().next();
                    boolean waiting = "waiting".equals(r.getString("status"));
                    return new QueuePosition(id, ConversationStatus.valueOf(r.getString("status")),
                            waiting ? r.getLong("ahead") + 1 : 0, r.getLong("waiting"));
                });
    }

    /**
     * Conversations filtered by status and/or assignee (0 = unassigned): the waiting ones in queue order
     * (longest waiting first), the others newest activity first.
     */
    public Uni<ConversationPage> page(Optional<ConversationStatus> status, Optional<Long> assignee, Optional<Long> visitor,
            int page, int size) {
        List<String> where = new ArrayList<>();
        Tuple args = Tuple.tuple();
        status.ifPresent(s -> {
            args.addString(s.name());
            where.add("c.status = $" + args.size());
        });
        assignee.ifPresent(a -> {
            if (a == 0) {
                where.add("c.assignee_id is null");
            } else {
                args.addLong(a);
                where.add("c.assignee_id = $" + args.size());
            }
        });
        visitor.ifPresent(v -> {
            args.addLong(v);
            where.add("c.visitor_id = $" + args.size());
        });
        String filter = where.isEmpty() ? "" : " where " + String.join(" and ", where);
        Tuple pageArgs = Tuple.from(toList(args));
        pageArgs.addInteger(size);
        pageArgs.addInteger(page * size);
        // The waiting list in queue order (longest waiting first: what the widget tells each visitor, and the
        // same for every agent); any other list by latest activity.
        String order = status.filter(s -> s == ConversationStatus.waiting).isPresent() ? " order by c.waiting_since, c.id"
                : " order by c.updated_at desc, c.id desc";
        String pageSql = SELECT + filter + order + " limit $" + (args.size() + 1)
                + " offset $" + (args.size() + 2);
        Uni<List<ConversationView>> items = pool.preparedQuery(pageSql).execute(pageArgs).map(ConversationReader::mapAll);
        Uni<Long> total = pool.preparedQuery("select count(*) from conversation c" + filter).execute(args)
                .map(rows -> rows.iterator().next().getLong(0));
        return Uni.combine().all().unis(items, total).asTuple()
                .map(t -> new ConversationPage(t.getItem1(), page, size, t.getItem2()));
    }

    private static List<Object> toList(Tuple tuple) {
        List<Object> values = new ArrayList<>();
        for (int i = 0; i < tuple.size(); i++) {
            values.add(tuple.getValue(i));
        }
        return values;
    }

    private static List<ConversationView> mapAll(RowSet<Row> rows) {
        List<ConversationView> views = new ArrayList<>(rows.size());
        rows.forEach(r -> views.add(map(r)));
        return views;
    }

    static ConversationView map(Row r) {
        Long assigneeId = r.getLong("assignee_id");
        return new ConversationView(r.getLong("id"),
                new ConversationView.Party(r.getLong("visitor_id"), r.getString("visitor_name")),
                ConversationStatus.valueOf(r.getString("status")),
                assigneeId == null ? null : new ConversationView.Party(assigneeId, r.getString("assignee_name")),
                r.getLong("last_seq"),
                r.getOffsetDateTime("created_at").toInstant(),
                r.getOffsetDateTime("updated_at").toInstant(),
                r.getOffsetDateTime("waiting_since").toInstant());
    }
}
