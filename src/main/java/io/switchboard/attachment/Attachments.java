package io.switchboard.attachment;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.jboss.logging.Logger;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.switchboard.api.AttachmentView;
import io.switchboard.identity.Caller;
import io.switchboard.config.SwitchboardConfig;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Attachments' metadata ({@code attachment} rows), read and written without blocking: an upload is begun,
 * then finished (typed, hashed, deduplicated) or aborted; a download asks who may read what. The bytes are
 * the {@link BlobStore}'s.
 */
@ApplicationScoped
class Attachments {

    private static final Logger LOG = Logger.getLogger(Attachments.class);
    /** Orphans and abandoned uploads deleted per sweep: a bounded amount of work each time. */
    static final int SWEEP_BATCH = 500;

    /** An attachment as stored, and who may read it. */
    record Stored(UUID id, long conversationId, String name, long size, String contentType, Integer width,
            Integer height, int chunkSize, byte[] sha256, String uploaderKind, long uploaderId, Long messageSeq,
            long visitorId, Boolean internal) {

        AttachmentView view() {
            return AttachmentView.of(id.toString(), name, size, contentType, width, height);
        }

        /**
         * Agents read every attachment. A visitor reads those of their own conversations that are on a message
         * they can see (never one on a private note), and their own uploads not sent yet.
         */
        boolean readableBy(Caller caller) {
            if (caller.isAgent()) {
                return true;
            }
            if (visitorId != caller.id()) {
                return false;
            }
            return messageSeq == null ? "visitor".equals(uploaderKind) && uploaderId == caller.id()
                    : Boolean.FALSE.equals(internal);
        }
    }

    /** How an upload ended: the attachment, and whether it is an earlier upload of the same bytes. */
    record Finished(AttachmentView view, boolean duplicate) {
    }

    private static final String SELECT = """
            select a.id, a.conversation_id, a.name, a.size, a.content_type, a.width, a.height, a.chunk_size, a.sha256,
                   a.uploader_kind, a.uploader_id, a.message_seq, c.visitor_id, m.internal
              from attachment a
              join conversation c on c.id = a.conversation_id
              left join message m on m.conversation_id = a.conversation_id and m.seq = a.message_seq
             where a.state = 'ready'""";

    @Inject Pool pool;
    @Inject BlobStore blobs;
    @Inject SwitchboardConfig config;

    /** A complete earlier upload by this caller under this idempotency key, if there is one. */
    Uni<Optional<Stored>> byKey(Caller caller, String key) {
        return pool.preparedQuery(SELECT + " and a.uploader_kind = $1 and a.uploader_id = $2 and a.idempotency_key = $3")
                .execute(Tuple.of(kind(caller), caller.id(), key)).map(Attachments::first);
    }

    /**
     * A new upload's row (state {@code uploading}), before its first chunk is stored. An incomplete earlier
     * attempt under the same idempotency key (its client gave up on it) is deleted first.
     */
    Uni<UUID> begin(Caller caller, long conversationId, String name, String key, int chunkSize) {
        UUID id = UUID.randomUUID();
        Uni<Void> stale = key == null ? Uni.createFrom().voidItem()
                : pool.preparedQuery("""
                        delete from attachment where uploader_kind = $1 and uploader_id = $2 and idempotency_key = $3
                           and state = 'uploading' returning id""")
                        .execute(Tuple.of(kind(caller), caller.id(), key))
                        .chain(rows -> deleteBlobs(ids(rows)));
        return stale.chain(() -> pool.preparedQuery("""
                insert into attachment (id, conversation_id, uploader_kind, uploader_id, name, idempotency_key, chunk_size)
                values ($1, $2, $3, $4, $5, $6, $7)""")
                .execute(Tuple.tuple().addUUID(id).addLong(conversationId).addString(kind(caller)).addLong(caller.id())
                        .addString(name).addString(key).addInteger(chunkSize))
                .map(rows -> id));
    }

    /**
     * Marks an upload complete. When the same uploader already has the same bytes in this conversation, not yet
     * sent (a retry whose first answer was lost), this one is deleted and that one is the answer.
     */
    Uni<Finished> finish(UUID id, Caller caller, long conversationId, String name, String contentType, long size,
            byte[] sha256, ImageSize image) {
        return pool.preparedQuery("""
                select id from attachment
                 where uploader_kind = $1 and uploader_id = $2 and sha256 = $3 and message_seq is null
                   and conversation_id = $4 and state = 'ready' and id <> $5 limit 1""")
                .execute(Tuple.of(kind(caller), caller.id(), io.vertx.core.buffer.Buffer.buffer(sha256), conversationId, id))
                .chain(rows -> {
                    if (rows.iterator().hasNext()) {
                        UUID earlier = rows.iterator().next().getUUID("id");
                        return abort(id).chain(() -> ready(earlier)).map(found -> found
                                .map(s -> new Finished(s.view(), true))
                                .orElseThrow(() -> new IllegalStateException("attachment " + earlier + " vanished")));
                    }
                    return pool.preparedQuery("""
                            update attachment set state = 'ready', content_type = $2, size = $3, sha256 = $4,
                                                  width = $5, height = $6
                             where id = $1""")
                            .execute(Tuple.tuple().addUUID(id).addString(contentType).addLong(size)
                                    .addValue(io.vertx.core.buffer.Buffer.buffer(sha256))
                                    .addInteger(image == null ? null : image.width())
                                    .addInteger(image == null ? null : image.height()))
                            .map(r -> new Finished(AttachmentView.of(id.toString(), name, size, contentType,
                                    image == null ? null : image.width(), image == null ? null : image.height()), false));
                });
    }

    /** Deletes an upload that failed or was refused mid-way, with whatever bytes it had stored. */
    Uni<Void> abort(UUID id) {
        return pool.preparedQuery("delete from attachment where id = $1").execute(Tuple.of(id))
                .chain(() -> blobs.delete(List.of(id)));
    }

    /** A complete attachment, whoever asks: for signed links, whose signature already says who may. */
    Uni<Optional<Stored>> ready(UUID id) {
        return pool.preparedQuery(SELECT + " and a.id = $1").execute(Tuple.of(id)).map(Attachments::first);
    }

    /** A complete attachment this caller may read; empty when there is none or it is not theirs to read. */
    Uni<Optional<Stored>> readable(Caller caller, UUID id) {
        return ready(id).map(found -> found.filter(s -> s.readableBy(caller)));
    }

    /** Deletes one of the caller's own uploads that no message carries yet (a cancelled upload). */
    Uni<Boolean> cancel(Caller caller, UUID id) {
        return pool.preparedQuery("""
                delete from attachment where id = $1 and uploader_kind = $2 and uploader_id = $3 and message_seq is null
                returning id""")
                .execute(Tuple.of(id, kind(caller), caller.id()))
                .chain(rows -> deleteBlobs(ids(rows)).map(v -> rows.rowCount() > 0));
    }

    /**
     * Uploads no message took within {@code orphan-after}, and uploads left incomplete for
     * {@code abandoned-after} (their client or replica died mid-way), are deleted with their bytes. A send
     * that takes an upload locks its row first, so a sweep never deletes one being sent.
     */
    @Scheduled(every = "10m", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> sweep() {
        return sweep(config.attachments().orphanAfter(), config.attachments().abandonedAfter())
                .chain(swept -> deleteGoneBlobs())
                .onFailure().recoverWithItem(e -> {
                    LOG.warnf("attachments not swept: %s", e.toString());
                    return 0;
                }).replaceWithVoid();
    }

    /** One sweep; the number of attachments deleted. */
    Uni<Integer> sweep(Duration orphanAfter, Duration abandonedAfter) {
        return pool.preparedQuery("""
                delete from attachment where id in (
                    select id from attachment
                     where message_seq is null
                       and (created_at < now() - make_interval(secs => $1)
                            or state = 'uploading' and created_at < now() - make_interval(secs => $2))
                     order by created_at limit $3
                       for update skip locked)
                returning id""")
                .execute(Tuple.of((double) orphanAfter.toMillis() / 1000, (double) abandonedAfter.toMillis() / 1000,
                        SWEEP_BATCH))
                .chain(rows -> {
                    List<UUID> gone = ids(rows);
                    if (!gone.isEmpty()) {
                        LOG.infof("deleted %d unsent or incomplete attachments", gone.size());
                    }
                    return deleteBlobs(gone).map(v -> gone.size());
                });
    }

    /**
     * The bytes of attachments whose rows are gone by any path — a deleted conversation's cascade included —
     * deleted from the blob store (a batch per sweep), then forgotten. For the PostgreSQL store the chunks went
     * with the row already; an object store needs this.
     */
    Uni<Integer> deleteGoneBlobs() {
        return pool.preparedQuery("select attachment_id from attachment_gone order by gone_at limit $1")
                .execute(Tuple.of(SWEEP_BATCH))
                .chain(rows -> {
                    List<UUID> gone = new java.util.ArrayList<>();
                    rows.forEach(r -> gone.add(r.getUUID("attachment_id")));
                    if (gone.isEmpty()) {
                        return Uni.createFrom().item(0);
                    }
                    return blobs.delete(gone)
                            .chain(() -> pool.preparedQuery("delete from attachment_gone where attachment_id = any($1)")
                                    .execute(Tuple.of(gone.toArray(UUID[]::new))))
                            .map(r -> gone.size());
                });
    }

    private Uni<Void> deleteBlobs(List<UUID> ids) {
        return ids.isEmpty() ? Uni.createFrom().voidItem() : blobs.delete(ids);
    }

    private static List<UUID> ids(RowSet<Row> rows) {
        List<UUID> ids = new java.util.ArrayList<>();
        rows.forEach(r -> ids.add(r.getUUID("id")));
        return ids;
    }

    private static String kind(Caller caller) {
        return caller.author().kind().name();
    }

    private static Optional<Stored> first(RowSet<Row> rows) {
        var it = rows.iterator();
        if (!it.hasNext()) {
            return Optional.empty();
        }
        Row r = it.next();
        return Optional.of(new Stored(r.getUUID("id"), r.getLong("conversation_id"), r.getString("name"), r.getLong("size"),
                r.getString("content_type"), r.getInteger("width"), r.getInteger("height"), r.getInteger("chunk_size"),
                r.getBuffer("sha256").getBytes(), r.getString("uploader_kind"), r.getLong("uploader_id"),
                r.getLong("message_seq"), r.getLong("visitor_id"), r.getBoolean("internal")));
    }
}
