package io.switchboard.support;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.logging.Level;

import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.SearchContext;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * One headless Chromium with its own profile directory: a separate browser context (own cookies and
 * storage), driven through the Chromium and chromedriver {@link BrowserInstallation} found. Test classes that
 * use it are marked {@link RequiresBrowser}.
 */
public final class Browser implements AutoCloseable {

    private static final Path SCREENSHOTS = Path.of("target", "screenshots");

    private final ChromeDriver driver;
    private final Path profile;

    public Browser(int width, int height) {
        Launched launched = Warm.take();
        driver = launched.driver();
        profile = launched.profile();
        driver.manage().window().setSize(new Dimension(width, height));
    }

    public Browser() {
        this(1280, 860);
    }

    /** A phone: a 390 × 844 viewport at 3× with touch and the mobile meta-viewport rules (Chromium's emulation). */
    public static Browser phone() {
        Browser browser = new Browser(390, 844);
        browser.driver.executeCdpCommand("Emulation.setDeviceMetricsOverride",
                Map.of("width", 390, "height", 844, "deviceScaleFactor", 3, "mobile", true));
        browser.driver.executeCdpCommand("Emulation.setTouchEmulationEnabled", Map.of("enabled", true));
        return browser;
    }

    /** Lets pages from {@code origin} show desktop notifications, as if the user had allowed them. */
    public void grantNotifications(String origin) {
        driver.executeCdpCommand("Browser.grantPermissions",
                Map.of("origin", origin, "permissions", List.of("notifications")));
    }

    /** Runs {@code js} in every page this browser loads from now on, before the page's own scripts. */
    public void onEveryPage(String js) {
        driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", js));
    }

    /** The page keeps the focus, as a window in front does (a headless browser has no window in front). */
    public void keepFocus() {
        driver.executeCdpCommand("Emulation.setFocusEmulationEnabled", Map.of("enabled", true));
    }

    public ChromeDriver driver() {
        return driver;
    }

    public void open(String url) {
        driver.get(url);
    }

    public Object script(String js, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(js, args);
    }

    public WebElement find(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    public List<WebElement> findAll(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    /** Inside the widget's shadow root. */
    public SearchContext widget() {
        return await().atMost(Duration.ofSeconds(15)).ignoreExceptions()
                .until(() -> driver.findElement(By.id("switchboard-widget")).getShadowRoot(), root -> root != null);
    }

    public WebElement inWidget(String css) {
        return widget().findElement(By.cssSelector(css));
    }

    public List<WebElement> allInWidget(String css) {
        return widget().findElements(By.cssSelector(css));
    }

    /** Waits until the supplier holds, retrying through DOM churn. */
    public static <T> T eventually(Duration timeout, Supplier<T> supplier, java.util.function.Predicate<T> done) {
        return await().atMost(timeout).pollInterval(Duration.ofMillis(100))
                .ignoreExceptionsMatching(e -> e instanceof NoSuchElementException || e instanceof StaleElementReferenceException)
                .until(supplier::get, done);
    }

    /** Texts of the elements matching {@code css}, in document order. */
    public static List<String> texts(List<WebElement> elements) {
        return elements.stream().map(WebElement::getText).toList();
    }

    public Path screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            Path target = SCREENSHOTS.resolve(name + ".png");
            Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), target, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Console output and uncaught errors of the page. */
    public List<String> consoleLog() {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream().map(LogEntry::toString).toList();
    }

    @Override
    public void close() {
        Warm.stop(new Launched(driver, profile));
    }

    /** A fresh Chromium with its own profile directory, and how to stop it without a trace. */
    private record Launched(ChromeDriver driver, Path profile) {

        static Launched start() {
            Path profile;
            try {
                profile = Files.createTempDirectory("switchboard-chromium-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            BrowserInstallation installation = BrowserInstallation.find().installation().orElseThrow(() -> new IllegalStateException(
                    "no usable browser: " + BrowserInstallation.find().reason() + " (mark the test class @RequiresBrowser)"));
            ChromeOptions options = new ChromeOptions();
            options.setBinary(installation.browser());
            options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--lang=en-US");
            LoggingPreferences logs = new LoggingPreferences();
            logs.enable(LogType.BROWSER, Level.ALL);
            options.setCapability("goog:loggingPrefs", logs);
            return new Launched(new ChromeDriver(new ChromeDriverService.Builder()
                    .usingDriverExecutable(new File(installation.driver())).usingAnyFreePort().build(), options), profile);
        }

        void stop() {
            try {
                driver.quit();
            } finally {
                try (var files = Files.walk(profile)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                } catch (IOException e) {
                    // a temp directory left behind is harmless
                }
            }
        }
    }

    /**
     * Chromium takes about two seconds to start and one to stop, and a browser test opens dozens. Starting
     * and stopping happen in the background, off the tests' clock: one spare is started while a test runs
     * (never more than one), a spare nobody took within {@link #IDLE} is stopped, and every browser is still
     * a fresh process with its own empty profile, used by one test only. What is still running when the JVM
     * ends is stopped by a shutdown hook.
     */
    private static final class Warm {

        private static final Duration IDLE = Duration.ofSeconds(30);
        private static final ScheduledThreadPoolExecutor WORKERS = workers();
        private static Future<Launched> spare;
        private static ScheduledFuture<?> eviction;

        private static ScheduledThreadPoolExecutor workers() {
            var workers = new ScheduledThreadPoolExecutor(2, task -> {
                Thread thread = new Thread(task, "browser-warm");
                thread.setDaemon(true);
                return thread;
            });
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                discardSpare();
                workers.shutdown();
                try {
                    workers.awaitTermination(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "browser-warm-stop"));
            return workers;
        }

        static synchronized Launched take() {
            Launched launched = null;
            if (spare != null) {
                eviction.cancel(false);
                try {
                    launched = spare.get(2, TimeUnit.MINUTES);
                } catch (ExecutionException | TimeoutException e) {
                    spare.cancel(true);
                    launched = null; // started fresh below, where a failure reaches the test
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
                spare = null;
            }
            if (launched == null) {
                launched = Launched.start();
            }
            spare = WORKERS.submit(Launched::start);
            eviction = WORKERS.schedule(Warm::discardSpare, IDLE.toSeconds(), TimeUnit.SECONDS);
            return launched;
        }

        static synchronized void discardSpare() {
            if (spare != null) {
                Future<Launched> left = spare;
                spare = null;
                WORKERS.execute(() -> {
                    try {
                        left.get().stop();
                    } catch (Exception e) {
                        // it never started: nothing to stop
                    }
                });
            }
        }

        static void stop(Launched launched) {
            try {
                WORKERS.execute(launched::stop);
            } catch (RejectedExecutionException e) {
                launched.stop(); // the JVM is ending
            }
        }
    }
}
