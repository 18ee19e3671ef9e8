package io.switchboard.attachment;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.RateLimitedException;
import io.switchboard.config.SwitchboardConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Uploads in progress, per replica and per identity: each holds about one chunk in memory, so these two
 * numbers bound what uploads can cost the heap. The map holds only identities with an upload running, so it
 * never has more entries than the replica's limit.
 */
@ApplicationScoped
class UploadBudget {

    private final int perInstance;
    private final int perIdentity;
    private final AtomicInteger running = new AtomicInteger();
    private final ConcurrentHashMap<String, Integer> byIdentity = new ConcurrentHashMap<>();

    @Inject
    UploadBudget(SwitchboardConfig config, MeterRegistry meters) {
        this.perInstance = config.attachments().concurrentUploads();
        this.perIdentity = config.attachments().concurrentUploadsPerIdentity();
        Gauge.builder("switchboard.attachments.uploads", running, AtomicInteger::get)
                .description("Attachment uploads in progress").register(meters);
    }

    /** A place for one upload by {@code identity}; 503 overloaded or 429 when there is none. Release it once done. */
    Slot take(String identity) {
        if (running.incrementAndGet() > perInstance) {
            running.decrementAndGet();
            throw new RateLimitedException(ErrorCode.OVERLOADED, "too many uploads in progress on this instance; retry shortly", 2);
        }
        boolean[] refused = { false };
        byIdentity.compute(identity, (k, n) -> {
            int now = n == null ? 0 : n;
            if (now >= perIdentity) {
                refused[0] = true;
                return n;
            }
            return now + 1;
        });
        if (refused[0]) {
            running.decrementAndGet();
            throw RateLimitedException.rateLimited(1);
        }
        return new Slot(identity);
    }

    int running() {
        return running.get();
    }

    int identities() {
        return byIdentity.size();
    }

    /** One upload's place; released once, however often {@link #release} is called. */
    final class Slot {
        private final String identity;
        private final AtomicBoolean released = new AtomicBoolean();

        private Slot(String identity) {
            this.identity = identity;
        }

        void release() {
            if (released.compareAndSet(false, true)) {
                byIdentity.computeIfPresent(identity, (k, n) -> n <= 1 ? null : n - 1);
                running.decrementAndGet();
            }
        }
    }
}
