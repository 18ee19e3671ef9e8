package io.switchboard.support;

import org.junit.jupiter.api.Assumptions;

/**
 * The one way a test steps aside for what this machine lacks (a browser, kubectl, a database it may stop): a
 * skip that says why on the build's output, and a failure instead where the run requires everything —
 * {@code -Dtests.strict=true}, which {@code .ci/run} sets, so a green CI run means every test ran. (Not
 * {@code switchboard.*}: the application under test, in the same JVM, refuses unknown properties of its own prefix.)
 */
public final class Skips {

    public static final String STRICT = "tests.strict";

    private Skips() {
    }

    /** Whether this run turns every skip into a failure. */
    public static boolean strict() {
        return Boolean.getBoolean(STRICT);
    }

    /** Skips the calling test unless {@code present}; fails instead under {@link #STRICT}. */
    public static void unless(boolean present, String missing) {
        if (present) {
            return;
        }
        if (strict()) {
            throw new AssertionError("required (-D" + STRICT + "=true) but " + missing);
        }
        System.err.println("[switchboard] TEST SKIPPED: " + missing);
        Assumptions.abort(missing);
    }
}
