package io.switchboard.support;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

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
        logs.enable(LogType.BROWSER, java.util.logging.Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        driver = new ChromeDriver(new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(installation.driver())).usingAnyFreePort().build(), options);
        driver.manage().window().setSize(new Dimension(width, height));
    }

    public Browser() {
        this(1280, 860);
    }

    /** A phone: a 390 × 844 viewport at 3× with touch and the mobile meta-viewport rules (Chromium's emulation). */
    public static Browser phone() {
        Browser browser = new Browser(390, 844);
        browser.driver.executeCdpCommand("Emulation.setDeviceMetricsOverride",
                java.util.Map.of("width", 390, "height", 844, "deviceScaleFactor", 3, "mobile", true));
        browser.driver.executeCdpCommand("Emulation.setTouchEmulationEnabled", java.util.Map.of("enabled", true));
        return browser;
    }

    /** Lets pages from {@code origin} show desktop notifications, as if the user had allowed them. */
    public void grantNotifications(String origin) {
        driver.executeCdpCommand("Browser.grantPermissions",
                java.util.Map.of("origin", origin, "permissions", List.of("notifications")));
    }

    /** Runs {@code js} in every page this browser loads from now on, before the page's own scripts. */
    public void onEveryPage(String js) {
        driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", java.util.Map.of("source", js));
    }

    /** The page keeps the focus, as a window in front does (a headless browser has no window in front). */
    public void keepFocus() {
        driver.executeCdpCommand("Emulation.setFocusEmulationEnabled", java.util.Map.of("enabled", true));
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
        try {
            driver.quit();
        } finally {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a temp directory left behind is harmless
            }
        }
    }
}
