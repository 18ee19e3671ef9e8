package io.switchboard.api;

import java.time.Duration;
import java.util.OptionalLong;
import java.util.regex.Pattern;

import io.quarkus.runtime.configuration.DurationConverter;

/** Parsing of path and query parameters with clear errors instead of framework defaults. */
public final class Params {

    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,19}");

    private Params() {
    }

    /** A conversation id; anything that is not a positive number simply names no conversation. */
    public static long conversationId(String raw) {
        try {
            long id = Long.parseLong(raw);
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException | NullPointerException e) {
            // falls through
        }
        throw ApiException.conversationNotFound();
    }

    /**
     * A cursor ("after", "before", "Last-Event-ID"): absent, or a seq written as plain decimal digits (0 or
     * more). Present but empty, blank, signed, padded or fractional is an error, never "no cursor". Read
     * query cursors with {@code HttpServerRequest.getParam}: JAX-RS turns {@code ?after=} into null.
     */
    public static OptionalLong cursor(String name, String raw) {
        if (raw == null) {
            return OptionalLong.empty();
        }
        if (DIGITS.matcher(raw).matches()) {
            try {
                return OptionalLong.of(Long.parseLong(raw));
            } catch (NumberFormatException e) {
                // more than a long holds: falls through
            }
        }
        throw new ApiException(ErrorCode.INVALID_CURSOR, name + " must be a seq number written in digits, 0 or more");
    }

    public static int bounded(ErrorCode code, String name, String raw, int fallback, int min, int max) {
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(raw.trim());
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // falls through
        }
        throw new ApiException(code, name + " must be a number from " + min + " to " + max);
    }

    /** A wait such as {@code 25s}, {@code 500ms}, {@code 25} (seconds) or {@code PT25S}, capped at {@code max}. */
    public static Duration wait(String raw, Duration max) {
        try {
            Duration wait = DurationConverter.parseDuration(raw.trim());
            if (wait != null && !wait.isNegative()) {
                return wait.compareTo(max) > 0 ? max : wait;
            }
        } catch (IllegalArgumentException e) {
            // falls through
        }
        throw new ApiException(ErrorCode.INVALID_WAIT, "wait must be a duration such as 25s or 500ms");
    }
}
