package io.switchboard.support;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The log the application under test writes in the test profile (target/test-logs), read whole. */
public final class TestLogs {

    private static final Path DIR = Path.of("target", "test-logs");

    private TestLogs() {
    }

    /** Everything logged so far, rotated parts included. */
    public static String all() {
        assertTrue(Files.isDirectory(DIR), "the test log is captured in " + DIR);
        StringBuilder all = new StringBuilder();
        try (var files = Files.list(DIR)) {
            for (Path part : files.sorted().toList()) {
                all.append(Files.readString(part, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return all.toString();
    }

    /** Where the log ends now: pass it to {@link #since} to read what is logged after this point. */
    public static int mark() {
        return all().length();
    }

    /** What was logged after {@code mark}. */
    public static String since(int mark) {
        String all = all();
        return all.length() >= mark ? all.substring(mark) : all;
    }

    /** Nothing logged after {@code mark} is an ERROR or a stack trace: bad input is the client's fault. */
    public static void assertNoErrorSince(int mark, String what) {
        String logged = since(mark);
        assertFalse(logged.contains(" ERROR ") || logged.contains("\tat "), what + " was logged as an error:\n"
                + logged.substring(0, Math.min(logged.length(), 3000)));
    }

    /** None of {@code secrets} appears anywhere in the log; a failure names only the secret's first characters. */
    public static void assertContainsNone(String what, String... secrets) {
        String log = all();
        for (String secret : secrets) {
            assertTrue(secret != null && secret.length() >= 8, what + ": not a secret worth looking for: " + secret);
            assertFalse(log.contains(secret), "the log contains " + what + ": " + secret.substring(0, 6) + "…");
        }
    }
}
