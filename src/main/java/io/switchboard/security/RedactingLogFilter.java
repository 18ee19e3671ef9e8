package io.switchboard.security;

import java.util.logging.Filter;
import java.util.logging.LogRecord;
import java.util.regex.Pattern;

import io.quarkus.logging.LoggingFilter;

/**
 * Last line of defence for the logs: whatever a log line contains — an access-log request line with
 * {@code ?access_token=}, a framework message echoing a header — token-shaped values are masked before the
 * line is written. Installed on the console and file handlers ({@code quarkus.log.*.filter=redact-tokens}).
 */
@LoggingFilter(name = "redact-tokens")
public final class RedactingLogFilter implements Filter {

    private static final Pattern QUERY_TOKEN = Pattern.compile("(access_token=)[^&\\s\"]+");
    private static final Pattern TOKEN = Pattern.compile("\\b([va]_)[A-Za-z0-9_-]{43}\\b");

    @Override
    public boolean isLoggable(LogRecord record) {
        String message = record.getMessage();
        if (message != null && (message.contains("_") || message.contains("access_token"))) {
            record.setMessage(redact(message));
        }
        Object[] parameters = record.getParameters();
        if (parameters != null) {
            for (int i = 0; i < parameters.length; i++) {
                if (parameters[i] instanceof String s) {
                    parameters[i] = redact(s);
                }
            }
        }
        return true;
    }

    static String redact(String text) {
        return TOKEN.matcher(QUERY_TOKEN.matcher(text).replaceAll("$1***")).replaceAll("$1***");
    }
}
