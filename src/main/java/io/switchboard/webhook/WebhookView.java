package io.switchboard.webhook;

import java.time.Instant;
import java.util.List;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A webhook endpoint as its admin sees it. {@code secret} is there when it was created or its secret rotated
 * (and for its admins on a single read), so a receiver can be set up; {@code delivery} says how it is doing.
 */
@RegisterForReflection
public record WebhookView(long id, String url, String description, List<String> events, boolean enabled,
        String disabledReason, String secret, Delivery delivery, Instant createdAt) {

    /**
     * Events waiting for it ({@code pending}), the newest event delivered ({@code deliveredThrough}, a replay
     * cursor), the current attempt streak, and the last answer (an excerpt, never the whole body).
     */
    @RegisterForReflection
    public record Delivery(long pending, Long deliveredThrough, int attempts, Instant failingSince, Instant nextAttemptAt,
            Instant lastAttemptAt, Integer lastStatus, String lastError) {
    }
}
