package io.switchboard.support;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.openqa.selenium.manager.SeleniumManager;
import org.openqa.selenium.manager.SeleniumManagerOutput;

/**
 * Which Chromium and chromedriver the browser tests drive, found once per test JVM, never downloaded unless
 * asked:
 * <ol>
 * <li>{@code -Dtests.browser.binary=…} and {@code -Dtests.browser.driver=…} when given;</li>
 * <li>otherwise a Chromium or Chrome and a chromedriver installed on this machine (the PATH, then the usual
 * places: Debian's {@code chromium} and {@code chromium-driver} packages put them in /usr/bin);</li>
 * <li>otherwise what Selenium Manager finds in its own cache, offline;</li>
 * <li>with {@code -Dtests.browser.fetch=true}, what Selenium Manager downloads (bounded by
 * {@link #FETCH_TIMEOUT_SECONDS}; the browser vendors' sites must be reachable).</li>
 * </ol>
 * The pair must agree on their major version, or chromedriver refuses the browser. {@link #find()} says why
 * none is usable, in words a newcomer can act on. (Test settings are named {@code tests.*}: the application
 * under test, in the same JVM, refuses unknown {@code switchboard.*} properties.)
 */
public record BrowserInstallation(String browser, String driver, String version) {

    static final String BINARY_PROPERTY = "tests.browser.binary";
    static final String DRIVER_PROPERTY = "tests.browser.driver";
    static final String FETCH_PROPERTY = "tests.browser.fetch";
    static final int FETCH_TIMEOUT_SECONDS = 120;
    private static final List<String> BROWSERS = List.of("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome");
    private static final List<String> PLACES = List.of("/usr/bin", "/usr/local/bin", "/snap/bin", "/opt/google/chrome");
    private static final Pattern VERSION = Pattern.compile("(\\d+)\\.\\d+\\.\\d+\\.\\d+");

    /** The outcome of one search: an installation, or why there is none. */
    public record Found(Optional<BrowserInstallation> installation, String reason) {
    }

    private static Found found;

    /** The search runs once per JVM; every browser test class asks the same answer. */
    public static synchronized Found find() {
        if (found == null) {
            found = search();
        }
        return found;
    }

    private static Found search() {
        String binary = System.getProperty(BINARY_PROPERTY);
        String driver = System.getProperty(DRIVER_PROPERTY);
        if (binary != null || driver != null) {
            if (binary == null || driver == null) {
                return none("-D" + BINARY_PROPERTY + " and -D" + DRIVER_PROPERTY + " go together; only one is set");
            }
            return checked(binary, driver);
        }
        Optional<File> installedDriver = executable(List.of("chromedriver"));
        Optional<File> installedBrowser = executable(BROWSERS);
        if (installedDriver.isPresent() && installedBrowser.isPresent()) {
            return checked(installedBrowser.get().getPath(), installedDriver.get().getPath());
        }
        List<String> missing = new ArrayList<>();
        if (installedBrowser.isEmpty()) {
            missing.add("no Chromium or Chrome (looked for " + String.join(", ", BROWSERS) + " on the PATH and in " + PLACES + ")");
        }
        if (installedDriver.isEmpty()) {
            missing.add("no chromedriver (on the PATH or in " + PLACES + ")");
        }
        boolean fetch = Boolean.getBoolean(FETCH_PROPERTY);
        Optional<BrowserInstallation> managed = seleniumManager(fetch);
        if (managed.isPresent()) {
            return new Found(managed, "");
        }
        return none(String.join(" and ", missing) + (fetch ? "; Selenium Manager could not fetch one either"
                : "; Selenium Manager has none cached (-D" + FETCH_PROPERTY + "=true lets it download one from the browser vendors' sites)"));
    }

    private static Found checked(String binary, String driver) {
        if (!new File(binary).canExecute()) {
            return none("the browser " + binary + " is not an executable file");
        }
        if (!new File(driver).canExecute()) {
            return none("the driver " + driver + " is not an executable file");
        }
        Optional<String> browserVersion = version(binary);
        Optional<String> driverVersion = version(driver);
        if (browserVersion.isEmpty()) {
            return none(binary + " --version did not answer with a version in 30 s");
        }
        if (driverVersion.isEmpty()) {
            return none(driver + " --version did not answer with a version in 30 s");
        }
        if (!major(browserVersion.get()).equals(major(driverVersion.get()))) {
            return none("chromedriver " + driverVersion.get() + " (" + driver + ") cannot drive browser " + browserVersion.get()
                    + " (" + binary + "): their major versions differ");
        }
        return new Found(Optional.of(new BrowserInstallation(binary, driver, browserVersion.get())), "");
    }

    private static Optional<BrowserInstallation> seleniumManager(boolean fetch) {
        List<String> arguments = new ArrayList<>(List.of("--browser", "chrome", "--skip-driver-in-path", "--skip-browser-in-path"));
        if (fetch) {
            arguments.addAll(List.of("--timeout", String.valueOf(FETCH_TIMEOUT_SECONDS)));
        } else {
            arguments.add("--offline");
        }
        try {
            SeleniumManagerOutput.Result result = SeleniumManager.getInstance().getBinaryPaths(arguments);
            if (result.getBrowserPath() == null || result.getDriverPath() == null) {
                return Optional.empty();
            }
            Found checked = checked(result.getBrowserPath(), result.getDriverPath());
            return checked.installation();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static Optional<File> executable(List<String> names) {
        String path = System.getenv().getOrDefault("PATH", "");
        return Stream.concat(Stream.of(path.split(File.pathSeparator)), PLACES.stream())
                .filter(dir -> !dir.isBlank())
                .flatMap(dir -> names.stream().map(name -> new File(dir, name)))
                .filter(file -> file.isFile() && file.canExecute())
                .findFirst();
    }

    /** {@code chromium --version} prints e.g. "Chromium 156.0.8078.129 built on Debian…". */
    private static Optional<String> version(String executable) {
        try {
            Process process = new ProcessBuilder(executable, "--version").redirectErrorStream(true).start();
            process.getOutputStream().close();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return Optional.empty();
            }
            Matcher matcher = VERSION.matcher(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            return matcher.find() ? Optional.of(matcher.group()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static String major(String version) {
        return version.substring(0, version.indexOf('.'));
    }

    private static Found none(String reason) {
        return new Found(Optional.empty(), reason);
    }
}
