package io.switchboard.webhook;

import java.util.Arrays;
import java.util.Optional;

import io.switchboard.api.SystemEvent;

/** What an endpoint can subscribe to; {@link #wire()} is the event's {@code type}. */
public enum WebhookKind {
    CONVERSATION_CREATED("conversation.created"),
    CONVERSATION_ASSIGNED("conversation.assigned"),
    CONVERSATION_UNASSIGNED("conversation.unassigned"),
    CONVERSATION_RESOLVED("conversation.resolved"),
    CONVERSATION_REOPENED("conversation.reopened"),
    CONVERSATION_REQUEUED("conversation.requeued"),
    MESSAGE_CREATED("message.created"),
    VISITOR_IDENTIFIED("visitor.identified");

    private final String wire;

    WebhookKind(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static Optional<WebhookKind> parse(String wire) {
        return Arrays.stream(values()).filter(k -> k.wire.equals(wire)).findFirst();
    }

    /** A stored line of the timeline as the conversation event it tells. */
    static WebhookKind of(SystemEvent event) {
        return switch (event) {
            case joined -> CONVERSATION_ASSIGNED;
            case left -> CONVERSATION_UNASSIGNED;
            case resolved -> CONVERSATION_RESOLVED;
            case reopened -> CONVERSATION_REOPENED;
            case requeued -> CONVERSATION_REQUEUED;
        };
    }
}
