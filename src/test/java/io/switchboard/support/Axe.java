package io.switchboard.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * axe-core, Deque's accessibility engine (the axe.min.js bundled in {@code com.deque.html.axe-core:selenium}),
 * run inside the page as it is: the whole document, open shadow roots (the widget) included, against the
 * WCAG 2.x A and AA rules and axe's best practices.
 */
public final class Axe {

    private static final String SCRIPT = load();

    private Axe() {
    }

    /** Every violation on the page now, one line each: rule, impact, and the elements it found. */
    public static List<String> violations(Browser browser) {
        browser.script(SCRIPT);
        Object raw = browser.driver().executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                axe.run(document, { resultTypes: ['violations'] })
                  .then(r => done(JSON.stringify(r.violations.map(v => ({ id: v.id, impact: v.impact,
                      nodes: v.nodes.map(n => JSON.stringify(n.target) + ' ' + (n.failureSummary || '').replace(/\\s+/g, ' ')) })))))
                  .catch(e => done(JSON.stringify([{ id: 'axe-error', impact: 'error', nodes: [String(e)] }])));""");
        List<String> violations = new ArrayList<>();
        for (JsonNode v : Json.parse((String) raw)) {
            List<String> nodes = new ArrayList<>();
            v.get("nodes").forEach(n -> nodes.add(n.asText()));
            violations.add(v.get("id").asText() + " (" + v.get("impact").asText() + "): " + nodes);
        }
        return violations;
    }

    private static String load() {
        try (InputStream in = Axe.class.getClassLoader().getResourceAsStream("axe.min.js")) {
            if (in == null) {
                throw new IllegalStateException("axe.min.js is not on the test classpath (com.deque.html.axe-core:selenium)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
