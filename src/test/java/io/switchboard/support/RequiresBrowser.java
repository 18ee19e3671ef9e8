package io.switchboard.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test class that drives a real browser. Without a usable Chromium and chromedriver on this machine its
 * tests are skipped, loudly (one line that says why and how to install them), before Quarkus starts for it;
 * with {@code -Dtests.strict=true} (as {@code .ci/run} sets it) they fail instead, so a green
 * CI run means they ran. See {@link BrowserInstallation} for where it looks.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(BrowserCondition.class)
public @interface RequiresBrowser {
}
