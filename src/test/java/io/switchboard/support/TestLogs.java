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

    /** None of {@code secrets} appears anywhere in the log; a failure names only the secret's first characters. */
    public static void assertContainsNone(String what, String... secrets) {
        String log = all();
        for (String secret : secrets) {
            assertTrue(secret != null && secret.length() >= 8, what + ": not a secret worth looking for: " + secret);
            assertFalse(log.contains(secret), "the log contains " + what + ": " + secret.substring(0, 6) + "…");
        }
    }
}
