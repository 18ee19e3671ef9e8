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
                   a.display_name as assignee_name, c.last_public_seq as last_seq, c.created_at, c.updated_at, c.waiting_since
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

    /**
     * The read cursor column of {@code read_cursor r} as {@code last_read_seq}: as stored, unless
     * {@code seesNotes} (a boolean parameter) is false, when an agent's cursor is cut back to the newest
     * message up to it that visitors can see — a visitor never learns a note's seq.
     */
    static String readSeq(String seesNotes) {
        return "case when %s or r.reader_kind <> 'agent' then r.last_read_seq else %s end as last_read_seq"
                .formatted(seesNotes, publicSeqUpTo("r.conversation_id", "r.last_read_seq"));
    }

    /** SQL: the seq of the newest message of {@code conversation} up to {@code seq} that visitors can see (0 if none). */
    static String publicSeqUpTo(String conversation, String seq) {
        return "(select coalesce(max(m.seq), 0) from message m where m.conversation_id = %s and m.seq <= %s and not m.internal)"
                .formatted(conversation, seq);
    }

    /** A conversation's labels, alphabetical. */
    public Uni<List<String>> labels(long id) {
        return pool.preparedQuery("select label from conversation_label where conversation_id = $1 order by label")
                .execute(Tuple.of(id)).map(rows -> {
                    List<String> labels = new ArrayList<>(rows.size());
                    rows.forEach(r -> labels.add(r.getString(0)));
                    return labels;
                });
    }

    /** The labels in use, most used first (the 200 most used): what the console offers to filter by. */
    public Uni<List<LabelCount>> labelsInUse() {
        return pool.query("""
                select label, count(*) as conversations from conversation_label
                 group by label order by count(*) desc, label limit 200""").execute().map(rows -> {
                    List<LabelCount> labels = new ArrayList<>(rows.size());
                    rows.forEach(r -> labels.add(new LabelCount(r.getString(0), r.getLong(1))));
                    return labels;
                });
    }

    /** A label and how many conversations carry it. */
    @io.quarkus.runtime.annotations.RegisterForReflection
    public record LabelCount(String label, long conversations) {
    }

    /**
     * Every participant's read cursor in a conversation (a visitor's and each agent's who read it). For a
     * visitor ({@code seesNotes} false) an agent's cursor is the newest message up to it that visitors see.
     */
    public Uni<List<ReadReceipt>> reads(long id, boolean seesNotes) {
        return pool.preparedQuery("select reader_kind, reader_id, " + readSeq("$2")
                + " from read_cursor r where conversation_id = $1 order by reader_kind, reader_id")
                .execute(Tuple.of(id, seesNotes))
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
     * A page of conversations: the waiting ones in queue order (longest waiting first: what the widget tells
     * each visitor, and the same for every agent), any other list by latest activity.
     */
    public Uni<ConversationPage> page(ConversationFilter filter, int page, int size) {
        Tuple args = Tuple.tuple();
        String where = filter.where(args);
        String clause = where.isEmpty() ? "" : " where " + where;
        String order = filter.waitingOnly() ? " order by c.waiting_since, c.id" : " order by c.updated_at desc, c.id desc";
        Tuple pageArgs = Tuple.from(toList(args));
        pageArgs.addInteger(size);
        pageArgs.addInteger(page * size);
        String pageSql = SELECT + clause + order + " limit $" + (args.size() + 1) + " offset $" + (args.size() + 2);
        Uni<List<ConversationView>> items = pool.preparedQuery(pageSql).execute(pageArgs).map(ConversationReader::mapAll);
        Uni<Long> total = pool.preparedQuery("select count(*) from conversation c" + clause).execute(args)
                .map(rows -> rows.iterator().next().getLong(0));
        return Uni.combine().all().unis(items, total).asTuple()
                .map(t -> new ConversationPage(t.getItem1(), page, size, t.getItem2()));
    }

    /**
     * Full-text search (PostgreSQL, GIN-indexed): conversations with a message containing the words, or whose
     * visitor's name or e-mail matches, within the filter; newest activity first. Each hit names the newest
     * matching message (private notes included: only agents search) with a highlighted excerpt. A query in a
     * script without word boundaries or with attached prefixes (Chinese, Arabic…) matches by substring
     * ({@link SubstringSearch}, trigram-indexed).
     */
    public Uni<SearchPage> search(String query, ConversationFilter filter, int page, int size) {
        boolean substring = SubstringSearch.applies(query);
        Tuple args = substring ? Tuple.tuple().addArrayOfString(SubstringSearch.patterns(query).toArray(String[]::new)) : Tuple.of(query);
        String where = filter.where(args);
        String hits = substring ? """
                hits as (
                    select m.conversation_id, max(m.seq) as seq from message m
                     where m.text ilike all ($1::text[]) group by m.conversation_id
                    union all
                    select c.id, null from conversation c join visitor v on v.id = c.visitor_id
                     where (v.display_name || ' ' || coalesce(v.email, '')) ilike all ($1::text[])),
                """ : """
                q as (select websearch_to_tsquery('simple', $1) as query),
                hits as (
                    select m.conversation_id, max(m.seq) as seq from message m, q
                     where m.search @@ q.query group by m.conversation_id
                    union all
                    select c.id, null from conversation c join visitor v on v.id = c.visitor_id, q
                     where to_tsvector('simple', v.display_name || ' ' || coalesce(v.email, '')) @@ q.query
                        or lower(v.email) = lower($1)),
                """;
        String snippet = substring ? "hit.text"
                : "ts_headline('simple', hit.text, q.query, 'MaxFragments=1, MaxWords=16, MinWords=6, StartSel=«, StopSel=»')";
        String sql = "with " + hits + """
                matched as (select conversation_id, max(seq) as seq from hits group by conversation_id)
                select c.id, c.visitor_id, v.display_name as visitor_name, c.status, c.assignee_id,
                       a.display_name as assignee_name, c.last_public_seq as last_seq, c.created_at, c.updated_at, c.waiting_since,
                       matched.seq as match_seq, hit.internal as match_internal,
                """ + snippet + """
                 as snippet,
                       count(*) over () as total
                  from matched
                  join conversation c on c.id = matched.conversation_id
                  join visitor v on v.id = c.visitor_id
                  left join agent a on a.id = c.assignee_id
                  left join message hit on hit.conversation_id = c.id and hit.seq = matched.seq
                """ + (substring ? "" : " cross join q") + (where.isEmpty() ? "" : " where " + where)
                + " order by c.updated_at desc, c.id desc limit $" + (args.size() + 1) + " offset $" + (args.size() + 2);
        args.addInteger(size);
        args.addInteger(page * size);
        return pool.preparedQuery(sql).execute(args).map(rows -> {
            List<SearchPage.SearchHit> found = new ArrayList<>(rows.size());
            long total = 0;
            for (Row r : rows) {
                total = r.getLong("total");
                String excerpt = substring ? SubstringSearch.excerpt(r.getString("snippet"), query) : r.getString("snippet");
                found.add(new SearchPage.SearchHit(map(r), r.getLong("match_seq"), excerpt,
                        Boolean.TRUE.equals(r.getBoolean("match_internal"))));
            }
            return new SearchPage(found, page, size, total);
        });
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
