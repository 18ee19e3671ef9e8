package io.switchboard.identity;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.regex.Pattern;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.switchboard.api.ApiException;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Text;

/**
 * Where the visitor is, as the widget reports it: the page (address and title), the referrer, the browser's
 * language and time zone (the browser itself comes from the request's User-Agent). Any field may be left out
 * (unchanged); an empty referrer clears it.
 */
@RegisterForReflection
public record VisitorContext(String url, String title, String referrer, String language, String timeZone) {

    private static final Pattern LANGUAGE = Pattern.compile("[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,4}");

    static String url(String field, String raw) {
        String value = raw.strip();
        try {
            URI uri = new URI(value);
            if (value.length() > 2048 || !("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
                    || uri.getHost() == null) {
                throw new URISyntaxException(value, "not an http(s) address of at most 2048 characters");
            }
            return value;
        } catch (URISyntaxException e) {
            throw new ApiException(ErrorCode.INVALID_CONTEXT, field + " is an http or https address of at most 2048 characters");
        }
    }

    static String text(String field, String raw, int max) {
        String value = clip(raw.strip(), max);
        if (!Text.storable(value) || value.chars().anyMatch(Character::isISOControl)) {
            throw new ApiException(ErrorCode.INVALID_CONTEXT, field + " must be printable text");
        }
        return value.isEmpty() ? null : value;
    }

    static String language(String raw) {
        if (!LANGUAGE.matcher(raw).matches() || raw.length() > 35) {
            throw new ApiException(ErrorCode.INVALID_CONTEXT, "language is a BCP 47 tag such as en-GB");
        }
        return raw;
    }

    static String timeZone(String raw) {
        try {
            if (raw.length() > 64) {
                throw new DateTimeException(raw);
            }
            return ZoneId.of(raw).getId();
        } catch (DateTimeException e) {
            throw new ApiException(ErrorCode.INVALID_CONTEXT, "timeZone is an IANA time zone such as Europe/Paris");
        }
    }

    /** At most {@code max} characters, never cutting a surrogate pair. */
    static String clip(String value, int max) {
        if (value.length() <= max) {
            return value;
        }
        int end = Character.isHighSurrogate(value.charAt(max - 1)) ? max - 1 : max;
        return value.substring(0, end);
    }
}
