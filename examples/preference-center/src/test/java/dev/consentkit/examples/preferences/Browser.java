package dev.consentkit.examples.preferences;

import dev.consentkit.testsupport.LocalBrowser;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Real headless Chromium for the browser tests, from Debian's {@code chromium} and {@code chromium-driver}
 * packages ({@code .ci/run} installs them). The system chromedriver is named explicitly, so Selenium Manager never
 * downloads anything; the flags keep Chromium off the network except for the page under test. Tests that use
 * it are {@code @RequiresBrowser}: skipped with one line without the packages, failing under {@code CI=true}.
 */
final class Browser implements AutoCloseable {

    static final Path CHROMIUM = LocalBrowser.chromium();
    static final Path CHROMEDRIVER = LocalBrowser.chromedriver();

    /** Selenium warns that it has no CDP bindings for this Chromium; the tests only send raw CDP commands. */
    private static final java.util.logging.Logger SELENIUM_LOG =
            java.util.logging.Logger.getLogger("org.openqa.selenium");

    static {
        SELENIUM_LOG.setLevel(java.util.logging.Level.SEVERE);
    }

    final ChromeDriver driver;
    final Path downloads;
    private final Path profile;
    private final Path screenshots;

    private Browser(ChromeDriver driver, Path downloads, Path profile, Path screenshots) {
        this.driver = driver;
        this.downloads = downloads;
        this.profile = profile;
        this.screenshots = screenshots;
    }

    static Browser start() throws IOException {
        Path build = Path.of(System.getProperty("basedir", ".")).resolve("target");
        Path downloads = Files.createDirectories(build.resolve("downloads"));
        try (var old = Files.list(downloads)) {
            for (Path p : (Iterable<Path>) old::iterator) {
                Files.delete(p);
            }
        }
        Path profile = Files.createTempDirectory(Files.createDirectories(build.resolve("chromium")), "profile-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--window-size=1280,1600",
                "--user-data-dir=" + profile);
        options.setExperimentalOption(
                "prefs",
                Map.of(
                        "download.default_directory", downloads.toAbsolutePath().toString(),
                        "download.prompt_for_download", false,
                        "safebrowsing.enabled", false));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        // Headless Chromium saves downloads only where it is told to.
        driver.executeCdpCommand(
                "Browser.setDownloadBehavior",
                Map.of(
                        "behavior",
                        "allow",
                        "downloadPath",
                        downloads.toAbsolutePath().toString()));
        return new Browser(driver, downloads, profile, Files.createDirectories(build.resolve("screenshots")));
    }

    /** Saves a screenshot of the current page as {@code target/screenshots/<step>.png}. */
    Path screenshot(String step) {
        File shot = driver.getScreenshotAs(OutputType.FILE);
        Path target = screenshots.resolve(step + ".png");
        try {
            Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return target;
    }

    /** Sends {@code headers} with every request from now on, as a browser extension or setting would. */
    void sendHeaders(Map<String, String> headers) {
        driver.executeCdpCommand("Network.enable", Map.of());
        driver.executeCdpCommand("Network.setExtraHTTPHeaders", Map.of("headers", headers));
    }

    @Override
    public void close() throws IOException {
        try {
            driver.quit();
        } finally {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
    }
}
