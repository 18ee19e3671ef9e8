package io.switchboard.event;

import java.util.List;

/**
 * Events just published in the caller's transaction (CDI event, fired synchronously inside it): a feature
 * that keeps its own durable record of them (the webhook outbox) writes it in the same commit.
 */
public record EventsPublished(List<? extends Event> events) {
}
