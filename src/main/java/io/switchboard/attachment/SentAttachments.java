package io.switchboard.attachment;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.switchboard.api.AttachmentView;
import io.switchboard.api.AuthorKind;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Attachments as the message write path sees them, inside its transaction: the uploads a batch of sends names,
 * locked, then marked as sent by the message that took each; and the JSON a message keeps of them (stored
 * with the message, so every read and every NOTIFY payload has them without a join).
 */
public final class SentAttachments {

    /** An upload a send may take: it must be the sender's, in the same conversation, and not sent yet. */
    public record Upload(UUID id, long conversationId, AuthorKind uploaderKind, long uploaderId, Long messageSeq,
            AttachmentView view) {
    }

    private SentAttachments() {
    }

    /** The complete uploads among {@code ids}, locked until the transaction ends. */
    public static Map<UUID, Upload> lock(Connection connection, Collection<UUID> ids) throws SQLException {
        Map<UUID, Upload> found = new HashMap<>();
        if (ids.isEmpty()) {
            return found;
        }
        try (PreparedStatement select = connection.prepareStatement("""
                select id, conversation_id, uploader_kind, uploader_id, message_seq, name, size, content_type, width, height
                  from attachment where id = any(?) and state = 'ready' order by id for update""")) {
            select.setArray(1, connection.createArrayOf("uuid", ids.toArray()));
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    UUID id = rows.getObject("id", UUID.class);
                    long seq = rows.getLong("message_seq");
                    Long messageSeq = rows.wasNull() ? null : seq;
                    found.put(id, new Upload(id, rows.getLong("conversation_id"), AuthorKind.valueOf(rows.getString("uploader_kind")),
                            rows.getLong("uploader_id"), messageSeq,
                            AttachmentView.of(id.toString(), rows.getString("name"), rows.getLong("size"),
                                    rows.getString("content_type"), (Integer) rows.getObject("width"),
                                    (Integer) rows.getObject("height"))));
                }
            }
        }
        return found;
    }

    /** Marks each upload as carried by the message with the seq at the same index. */
    public static void claim(Connection connection, List<UUID> ids, List<Long> seqs) throws SQLException {
        if (ids.isEmpty()) {
            return;
        }
        try (PreparedStatement update = connection.prepareStatement("""
                update attachment a set message_seq = u.seq
                  from unnest(?, ?) as u (id, seq) where a.id = u.id""")) {
            Array idArray = connection.createArrayOf("uuid", ids.toArray());
            update.setArray(1, idArray);
            update.setArray(2, connection.createArrayOf("bigint", seqs.toArray()));
            update.executeUpdate();
        }
    }

    /** What a message keeps of its attachments (no URL: that is derived from the id when read). */
    public static String toJson(List<AttachmentView> attachments) {
        if (attachments.isEmpty()) {
            return null;
        }
        JsonArray array = new JsonArray();
        attachments.forEach(a -> array.add(new JsonObject().put("id", a.id()).put("name", a.name()).put("size", a.size())
                .put("contentType", a.contentType()).put("width", a.width()).put("height", a.height())));
        return array.encode();
    }

    /** A message's attachments from its stored JSON ({@code null}: none). */
    public static List<AttachmentView> fromJson(Object stored) {
        if (stored == null) {
            return List.of();
        }
        JsonArray array = stored instanceof JsonArray a ? a : new JsonArray(stored.toString());
        List<AttachmentView> views = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            JsonObject o = array.getJsonObject(i);
            views.add(AttachmentView.of(o.getString("id"), o.getString("name"), o.getLong("size"), o.getString("contentType"),
                    o.getInteger("width"), o.getInteger("height")));
        }
        return views;
    }
}
