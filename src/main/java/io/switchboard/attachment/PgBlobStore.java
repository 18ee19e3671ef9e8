package io.switchboard.attachment;

import java.util.List;
import java.util.UUID;

import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Inject;

/**
 * The default store: chunks as {@code bytea} rows in PostgreSQL ({@code attachment_chunk}), written and read
 * through the reactive client on the event loop, one statement per chunk and no transaction held between
 * them, so a slow upload holds no connection while it waits for its next bytes. Nothing to run besides the
 * database; deleting an attachment (or its conversation) deletes its chunks.
 */
@ApplicationScoped
@Typed(PgBlobStore.class)
class PgBlobStore implements BlobStore {

    @Inject
    Pool pool;

    @Override
    public Uni<Void> put(UUID id, int n, Buffer bytes) {
        return pool.preparedQuery("insert into attachment_chunk (attachment_id, n, data) values ($1, $2, $3)")
                .execute(Tuple.of(id, n, bytes)).replaceWithVoid();
    }

    @Override
    public Uni<Buffer> get(UUID id, int n) {
        return pool.preparedQuery("select data from attachment_chunk where attachment_id = $1 and n = $2")
                .execute(Tuple.of(id, n))
                .map(rows -> {
                    var it = rows.iterator();
                    if (!it.hasNext()) {
                        throw new IllegalStateException("attachment " + id + " has no chunk " + n);
                    }
                    return it.next().getBuffer("data").getDelegate();
                });
    }

    @Override
    public Uni<Void> delete(List<UUID> ids) {
        return pool.preparedQuery("delete from attachment_chunk where attachment_id = any($1)")
                .execute(Tuple.of(ids.toArray(UUID[]::new))).replaceWithVoid();
    }
}
