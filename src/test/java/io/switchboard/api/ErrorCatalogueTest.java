package io.switchboard.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * {@code docs/protocol.md}'s error catalogue and {@link ErrorCode} name the same codes with the same HTTP
 * status and close code, and no source file sends an error code that bypasses {@link ErrorCode}.
 */
class ErrorCatalogueTest {

    private static final Pattern ROW = Pattern.compile("^\\| `([a-z_]+)` \\| ([^|]+) \\| ([^|]+) \\| ([^|]+) \\|$");
    /** A hand-written error code: a Problem or error frame built from a literal, or JSON written by hand. */
    private static final Pattern BYPASS = Pattern.compile(
            "new Problem\\(\\s*\"|Frame\\.Error\\([^,;]*,\\s*\"|\\\\\"error\\\\\":\\\\\"");

    @Test
    void theCatalogueListsEveryCodeWithItsStatusAndCloseCode() throws IOException {
        Map<String, String[]> documented = catalogue();
        assertEquals(Arrays.stream(ErrorCode.values()).map(ErrorCode::code).sorted().toList(),
                documented.keySet().stream().sorted().toList(), "docs/protocol.md's catalogue and ErrorCode differ");
        for (ErrorCode code : ErrorCode.values()) {
            String[] row = documented.get(code.code());
            String http = row[0].strip();
            assertTrue(http.equals("—") || http.equals("`" + code.status() + "`"),
                    code + ": HTTP column says " + http + ", the server sends " + code.status());
            if (code.closes() != 0) {
                assertTrue(row[1].contains("`" + code.closes() + "`"), code + ": the WebSocket column must name close code "
                        + code.closes() + ", it says " + row[1].strip());
            }
            assertTrue(!row[2].isBlank(), code + " has no meaning in the catalogue");
        }
    }

    @Test
    void noSourceFileWritesAnErrorCodeOfItsOwn() throws IOException {
        List<String> offenders = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java") && !f.endsWith("ErrorCode.java")).toList()) {
                String[] lines = Files.readString(file).split("\n");
                for (int i = 0; i < lines.length; i++) {
                    Matcher m = BYPASS.matcher(lines[i]);
                    if (m.find()) {
                        offenders.add(file + ":" + (i + 1) + ": " + lines[i].strip());
                    }
                }
            }
        }
        assertEquals(List.of(), offenders, "error codes are sent through ErrorCode only");
    }

    /**
     * A code no test asserts by name could stop being sent, or change its status, unnoticed: every code in
     * {@link ErrorCode} appears as a quoted literal in some other test ({@code ErrorCodesProvokedTest} holds the
     * ones no feature test provokes).
     */
    @Test
    void everyCodeIsAssertedByNameInSomeTest() throws IOException {
        StringBuilder tests = new StringBuilder();
        try (Stream<Path> files = Files.walk(Path.of("src/test/java"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java") && !f.endsWith("ErrorCatalogueTest.java")).toList()) {
                tests.append(Files.readString(file));
            }
        }
        List<String> unasserted = Arrays.stream(ErrorCode.values()).map(ErrorCode::code)
                .filter(code -> tests.indexOf("\"" + code + "\"") < 0).toList();
        assertEquals(List.of(), unasserted, "error codes no test asserts by name");
    }

    @Test
    void theTestRecognisesABypassAndAMissingRow() {
        assertTrue(BYPASS.matcher("respond(400, new Problem(\"oops\", \"x\"))").find());
        assertTrue(BYPASS.matcher("sink.send(new Frame.Error(null, \"oops\", \"x\"))").find());
        assertTrue(BYPASS.matcher(".end(\"{\\\"error\\\":\\\"oops\\\"}\")").find());
        assertTrue(!BYPASS.matcher("sink.send(new Frame.Error(ref, e.code(), e.getMessage()))").find());
        assertTrue(ROW.matcher("| `rate_limited` | `429` | `error` frame | over a rate limit |").matches());
    }

    /** code → [HTTP, WebSocket, meaning], from the table under "## Error catalogue". */
    static Map<String, String[]> catalogue() throws IOException {
        String doc = Files.readString(Path.of("docs/protocol.md"));
        int start = doc.indexOf("\n## Error catalogue");
        assertTrue(start >= 0, "docs/protocol.md has no error catalogue");
        int end = doc.indexOf("\n## ", start + 1);
        Map<String, String[]> rows = new LinkedHashMap<>();
        for (String line : doc.substring(start, end < 0 ? doc.length() : end).split("\n")) {
            Matcher m = ROW.matcher(line.strip());
            if (m.matches()) {
                String[] previous = rows.put(m.group(1), new String[] { m.group(2), m.group(3), m.group(4) });
                assertEquals(null, previous, m.group(1) + " is listed twice");
            }
        }
        return rows;
    }
}
