package io.switchboard.conversation;

import java.util.Locale;
import java.util.Optional;

/** waiting → open → resolved; a resolved conversation can be reopened. */
public enum ConversationStatus {
    waiting, open, resolved;

    public static Optional<ConversationStatus> parse(String value) {
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(valueOf(value.trim().toLowerCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
