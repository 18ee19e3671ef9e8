package io.switchboard.attachment;

import io.switchboard.config.SwitchboardConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;

/** The {@link BlobStore} {@code switchboard.attachments.store} names. */
@ApplicationScoped
class BlobStores {

    @Produces
    @ApplicationScoped
    BlobStore store(SwitchboardConfig config, Instance<PgBlobStore> postgres, Instance<S3BlobStore> s3) {
        return switch (config.attachments().store()) {
            case postgres -> postgres.get();
            case s3 -> s3.get();
        };
    }
}
