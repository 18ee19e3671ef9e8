package io.switchboard.support;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Runs a {@link RequiresBrowser} class only where a browser can be driven; see there. */
public final class BrowserCondition implements ExecutionCondition {

    static final String HOW_TO_INSTALL = "install Chromium and chromedriver (Debian/Ubuntu: apt-get install chromium chromium-driver), or name them with "
            + "-D" + BrowserInstallation.BINARY_PROPERTY + "=… -D" + BrowserInstallation.DRIVER_PROPERTY + "=…";

    /** A system property, not a field: Quarkus loads test classes, and this extension with them, in more than one class loader. */
    private static final String ANNOUNCED = "tests.internal.browser-skip-announced";

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        BrowserInstallation.Found found = BrowserInstallation.find();
        if (found.installation().isPresent()) {
            return ConditionEvaluationResult.enabled("browser: " + found.installation().get());
        }
        String reason = "no usable browser for the browser tests: " + found.reason() + ". To run them, " + HOW_TO_INSTALL + ".";
        if (Skips.strict()) {
            throw new IllegalStateException(reason + " They are required here (-D" + Skips.STRICT + "=true).");
        }
        announce(reason);
        return ConditionEvaluationResult.disabled("SKIPPED, " + reason);
    }

    /** One line on the build's output, however many classes are skipped. */
    private static void announce(String reason) {
        if (System.getProperties().putIfAbsent(ANNOUNCED, "true") == null) {
            System.err.println("[switchboard] BROWSER TESTS SKIPPED: " + reason
                    + " (-D" + Skips.STRICT + "=true makes this a failure, as in CI.)");
        }
    }
}
