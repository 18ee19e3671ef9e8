package io.switchboard.attachment;

import java.util.List;
import java.util.UUID;

import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;

/**
 * Where attachments' bytes live, one chunk ({@code switchboard.attachments.chunk-size}) at a time: an upload
 * writes its chunks in order as they arrive, a download reads them in order as the client takes them, so no
 * file is ever whole in memory. The metadata ({@code attachment} rows) stays in PostgreSQL whatever the store.
 */
public interface BlobStore {

    /** Stores chunk {@code n} (0, 1, …) of attachment {@code id}. */
    Uni<Void> put(UUID id, int n, Buffer bytes);

    /** Chunk {@code n} of attachment {@code id}. */
    Uni<Buffer> get(UUID id, int n);

    /** Removes every chunk of these attachments (also of ones never completed). */
    Uni<Void> delete(List<UUID> ids);
}
