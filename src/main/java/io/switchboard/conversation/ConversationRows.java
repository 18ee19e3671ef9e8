package io.switchboard.conversation;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Conversations as the message write path uses them, in plain JDBC on the transaction's connection: locked
 * and read in one statement, written back in one. The write path runs for every group commit, and Hibernate
 * costed half its CPU there (translating the locking query, resolving its result mapping, dirty-checking at
 * flush: JFR at 1,000 msg/s, bench/results). The objects it returns are not managed: whoever changes one
 * writes it back with {@link #update}.
 */
public final class ConversationRows {

    private static final String LOCK = """
            select id, visitor_id, status, assignee_id, last_seq, last_public_seq, created_at, waiting_since, updated_at
              from conversation where id = any(?) order by id for update""";
    private static final String UPDATE = """
            update conversation c
               set status = u.status, assignee_id = u.assignee_id, last_seq = u.last_seq,
                   last_public_seq = u.last_public_seq, waiting_since = u.waiting_since::timestamptz,
                   updated_at = u.updated_at::timestamptz
              from unnest(?, ?, ?, ?, ?, ?, ?) as u (id, status, assignee_id, last_seq, last_public_seq, waiting_since, updated_at)
             where c.id = u.id""";

    private ConversationRows() {
    }

    /** The conversations with these ids that exist, locked in id order (concurrent writers never deadlock). */
    public static Map<Long, Conversation> lock(Connection connection, List<Long> ids) throws SQLException {
        Map<Long, Conversation> locked = new HashMap<>(ids.size() * 2);
        try (PreparedStatement select = connection.prepareStatement(LOCK)) {
            select.setArray(1, connection.createArrayOf("bigint", ids.toArray()));
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    Conversation c = new Conversation();
                    c.id = rows.getLong("id");
                    c.visitorId = rows.getLong("visitor_id");
                    c.status = ConversationStatus.valueOf(rows.getString("status"));
                    long assignee = rows.getLong("assignee_id");
                    c.assigneeId = rows.wasNull() ? null : assignee;
                    c.lastSeq = rows.getLong("last_seq");
                    c.lastPublicSeq = rows.getLong("last_public_seq");
                    c.createdAt = instant(rows, "created_at");
                    c.waitingSince = instant(rows, "waiting_since");
                    c.updatedAt = instant(rows, "updated_at");
                    locked.put(c.id, c);
                }
            }
        }
        return locked;
    }

    /**
     * Writes back what the write path changes (status, assignee, seqs, queue and update times), one statement;
     * instants travel as ISO-8601 text, exact to the microsecond whatever the session's time zone.
     */
    public static void update(Connection connection, Collection<Conversation> changed) throws SQLException {
        if (changed.isEmpty()) {
            return;
        }
        try (PreparedStatement update = connection.prepareStatement(UPDATE)) {
            update.setArray(1, connection.createArrayOf("bigint", changed.stream().map(c -> c.id).toArray()));
            update.setArray(2, connection.createArrayOf("text", changed.stream().map(c -> c.status.name()).toArray()));
            update.setArray(3, connection.createArrayOf("bigint", changed.stream().map(c -> c.assigneeId).toArray()));
            update.setArray(4, connection.createArrayOf("bigint", changed.stream().map(c -> c.lastSeq).toArray()));
            update.setArray(5, connection.createArrayOf("bigint", changed.stream().map(c -> c.lastPublicSeq).toArray()));
            update.setArray(6, connection.createArrayOf("text", changed.stream().map(c -> c.waitingSince.toString()).toArray()));
            update.setArray(7, connection.createArrayOf("text", changed.stream().map(c -> c.updatedAt.toString()).toArray()));
            update.executeUpdate();
        }
    }

    private static Instant instant(ResultSet rows, String column) throws SQLException {
        return rows.getObject(column, OffsetDateTime.class).toInstant();
    }
}
