package io.switchboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The layering of src/main: each package may use only the packages before it in {@link #LAYERS} (the bottom
 * first: api, config, event; then the features; the live layer on top, its transports last). An order
 * allows no cycles either.
 */
class ArchitectureTest {

    private static final List<String> LAYERS = List.of("api", "config", "event", "security", "identity",
            "conversation", "attachment", "message", "presence", "canned", "webhook", "email", "devdb", "web", "live", "live.transport");
    private static final Path MAIN = Path.of("src/main/java/io/switchboard");
    private static final Pattern REFERENCE = Pattern.compile("io\\.switchboard\\.([a-z]+(?:\\.[a-z]+)*)\\.[A-Z]");

    @Test
    void importsOnlyPointDownTheLayers() throws IOException {
        List<String> violations = new ArrayList<>();
        List<Path> sources;
        try (Stream<Path> files = Files.walk(MAIN)) {
            sources = files.filter(f -> f.toString().endsWith(".java")).toList();
        }
        for (Path source : sources) {
            String from = MAIN.relativize(source.getParent()).toString().replace('/', '.');
            assertTrue(LAYERS.contains(from), "package io.switchboard." + from + " has no place in the layers");
            Matcher m = REFERENCE.matcher(Files.readString(source));
            while (m.find()) {
                String to = m.group(1);
                if (!to.equals(from) && LAYERS.indexOf(to) > LAYERS.indexOf(from)) {
                    violations.add(MAIN.relativize(source) + ": " + from + " -> " + to);
                }
            }
        }
        assertEquals(List.of(), violations.stream().distinct().toList());
    }
}
