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
 * Uploads in progress, per replica, per identity and per client address: each holds about one chunk in
 * memory, so these numbers bound what uploads can cost the heap, and one address (with as many identities as it
 * likes) cannot take every place. The maps hold only identities and addresses with an upload running, so they
 * never have more entries than the replica's limit.
 */
@ApplicationScoped
class UploadBudget {

    private final int perInstance;
    private final int perIdentity;
    private final int perAddress;
    private final AtomicInteger running = new AtomicInteger();
    private final ConcurrentHashMap<String, Integer> byIdentity = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Integer> byAddress = new ConcurrentHashMap<>();

    @Inject
    UploadBudget(SwitchboardConfig config, MeterRegistry meters) {
        this.perInstance = config.attachments().concurrentUploads();
        this.perIdentity = config.attachments().concurrentUploadsPerIdentity();
        this.perAddress = config.attachments().concurrentUploadsPerAddress();
        Gauge.builder("switchboard.attachments.uploads", running, AtomicInteger::get)
                .description("Attachment uploads in progress").register(meters);
    }

    /**
     * A place for one upload by {@code identity} from {@code address}; 503 overloaded (the instance is full) or
     * 429 (this identity, or this address, has all its places) when there is none. Release it once done.
     */
    Slot take(String identity, String address) {
        if (running.incrementAndGet() > perInstance) {
            running.decrementAndGet();
            throw new RateLimitedException(ErrorCode.OVERLOADED, "too many uploads in progress on this instance; retry shortly", 2);
        }
        if (!increment(byIdentity, identity, perIdentity)) {
            running.decrementAndGet();
            throw RateLimitedException.rateLimited(1);
        }
        if (!increment(byAddress, address, perAddress)) {
            decrement(byIdentity, identity);
            running.decrementAndGet();
            throw RateLimitedException.rateLimited(1);
        }
        return new Slot(identity, address);
    }

    private static boolean increment(ConcurrentHashMap<String, Integer> counts, String key, int limit) {
        boolean[] refused = { false };
        counts.compute(key, (k, n) -> {
            int now = n == null ? 0 : n;
            if (now >= limit) {
                refused[0] = true;
                return n;
            }
            return now + 1;
        });
        return !refused[0];
    }

    private static void decrement(ConcurrentHashMap<String, Integer> counts, String key) {
        counts.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
    }

    int running() {
        return running.get();
    }

    int identities() {
        return byIdentity.size();
    }

    int addresses() {
        return byAddress.size();
    }

    /** One upload's place; released once, however often {@link #release} is called. */
    final class Slot {
        private final String identity;
        private final String address;
        private final AtomicBoolean released = new AtomicBoolean();

        private Slot(String identity, String address) {
            this.identity = identity;
            this.address = address;
        }

        void release() {
            if (released.compareAndSet(false, true)) {
                decrement(byIdentity, identity);
                decrement(byAddress, address);
                running.decrementAndGet();
            }
        }
    }
}
