package dev.consentkit.examples.preferences;

import static org.assertj.core.api.Assertions.assertThat;

import dev.consentkit.testsupport.RequiresBrowser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The preference centre in real headless Chromium, as its users see it: a customer withdraws a consent and sees it
 * in the history, the marketer sees the newsletter audience shrink, the auditor downloads the export that a
 * customer is refused, and a browser sending Global Privacy Control is opted out of sharing. Each page is saved
 * as {@code target/screenshots/<step>.png}.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.datasource.url=jdbc:h2:mem:browser-test-${random.uuid};DB_CLOSE_DELAY=-1")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@RequiresBrowser
class PreferenceCenterBrowserIT {

    private static Browser browser;

    @LocalServerPort
    int port;

    @BeforeAll
    static void startBrowser() throws IOException {
        browser = Browser.start();
    }

    @AfterAll
    static void stopBrowser() throws IOException {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    @Order(1)
    void customerWithdrawsMarketerSeesTheAudienceShrinkAuditorDownloadsTheExport() throws Exception {
        open("/");
        assertThat(text("h1")).isEqualTo("Your privacy choices, kept and proven");
        browser.screenshot("01-home");

        signIn("mark");
        assertThat(browser.driver.getCurrentUrl()).endsWith("/newsletter");
        int before = audience();
        assertThat(before).isEqualTo(34);
        submit(By.id("send"));
        assertThat(message()).isEqualTo("Newsletter sent to 34 of 50 customers.");
        browser.screenshot("02-newsletter-before");
        signOut();

        signIn("alice");
        assertThat(browser.driver.getCurrentUrl()).endsWith("/preferences");
        assertThat(text("#state-marketing-email-newsletter")).isEqualTo("You agreed");
        assertThat(browser.driver
                        .findElement(By.id("marketing-email-newsletter-yes"))
                        .isSelected())
                .isTrue();
        browser.screenshot("03-preferences");
        // choose by the label, as a person would
        browser.driver
                .findElement(By.cssSelector("label[for='marketing-email-newsletter-no']"))
                .click();
        submit(By.id("save-marketing-email-newsletter"));
        assertThat(message()).isEqualTo("Saved: you withdrew your consent to Monthly newsletter.");
        assertThat(text("#state-marketing-email-newsletter")).isEqualTo("Not allowed: you withdrew your consent");
        assertThat(browser.driver
                        .findElement(By.id("marketing-email-newsletter-no"))
                        .isSelected())
                .isTrue();
        List<String> history = historyRows();
        assertThat(history).hasSize(2);
        assertThat(history.get(0)).contains("Monthly newsletter", "Withdrawn", "Website (preference-centre)");
        assertThat(history.get(1)).contains("Monthly newsletter", "Granted", "Import (demo-seed)");
        browser.screenshot("04-preferences-after-withdrawal");

        open("/audit/export.csv");
        assertThat(text("h1")).isEqualTo("Access denied");
        browser.screenshot("05-customer-refused-export");
        open("/preferences");
        signOut();

        signIn("mark");
        assertThat(audience()).isEqualTo(before - 1);
        browser.screenshot("06-newsletter-after");
        signOut();

        signIn("audrey");
        assertThat(browser.driver.getCurrentUrl()).endsWith("/audit");
        assertThat(text("#verification"))
                .startsWith("Intact: 45 records in 37 per-customer hash chains")
                .endsWith("0 broken.");
        browser.screenshot("07-audit");
        browser.driver.findElement(By.id("export-csv")).click();
        String csv = Files.readString(downloaded(".csv"), StandardCharsets.UTF_8);
        assertThat(csv.lines().findFirst().orElseThrow()).startsWith("kind,id,tenant,subject,sequence");
        assertThat(csv.lines().skip(1).toList())
                .hasSize(45)
                .anySatisfy(row -> assertThat(row)
                        .contains(",alice,")
                        .contains("WITHDRAWN")
                        .contains("preference-centre"));
        browser.driver.findElement(By.id("export-jsonl")).click();
        List<String> jsonLines = Files.readAllLines(downloaded(".jsonl"), StandardCharsets.UTF_8);
        assertThat(jsonLines)
                .hasSize(45)
                .allSatisfy(line -> assertThat(line).startsWith("{").endsWith("}"));
        signOut();
        assertThat(downloadedFiles()).hasSize(2); // the customer's attempt downloaded nothing
    }

    @Test
    @Order(2)
    void globalPrivacyControlOptsTheCustomerOutOfSharing() {
        browser.sendHeaders(Map.of("Sec-GPC", "1"));
        try {
            signIn("bob");
            assertThat(text("#gpc-notice")).contains("Global Privacy Control");
            assertThat(text("#state-ads-partner"))
                    .isEqualTo("Not allowed: your browser's Global Privacy Control signal objected");
            assertThat(historyRows().get(0))
                    .contains(
                            "Sharing with our ad partner",
                            "Opted out",
                            "(overrode your earlier choice)",
                            "Global Privacy Control signal");
            browser.screenshot("08-preferences-gpc");

            // Bob allows the partner after all: his own choice stands although the browser keeps signalling.
            browser.driver
                    .findElement(By.cssSelector("label[for='ads-partner-yes']"))
                    .click();
            submit(By.id("save-ads-partner"));
            assertThat(message()).isEqualTo("Saved: you allowed Sharing with our ad partner.");
            open("/preferences");
            assertThat(text("#state-ads-partner")).isEqualTo("You allowed it");
            signOut();
        } finally {
            browser.sendHeaders(Map.of());
        }
    }

    private void open(String path) {
        browser.driver.get("http://localhost:" + port + path);
    }

    private void signIn(String user) {
        open("/login");
        browser.driver.findElement(By.id("username")).sendKeys(user);
        browser.driver.findElement(By.id("password")).sendKeys(DemoUsers.PASSWORD);
        submit(By.cssSelector("form.login button[type=submit]"));
        assertThat(browser.driver.getCurrentUrl()).doesNotContain("/login");
    }

    private void signOut() {
        submit(By.cssSelector("header button[type=submit]"));
        assertThat(browser.driver.getCurrentUrl()).endsWith("/login?logout");
    }

    /**
     * Clicks a button that submits a form and waits until the next page has loaded: the current page carries a
     * marker the next one lacks. (Waiting for the old element to go stale races with Chromium's inspector.)
     */
    private void submit(By button) {
        JavascriptExecutor js = browser.driver;
        js.executeScript("window.consentkitOldPage = true");
        browser.driver.findElement(button).click();
        wait(Duration.ofSeconds(15)).until(d -> {
            try {
                return Boolean.TRUE.equals(js.executeScript(
                        "return window.consentkitOldPage === undefined && document.readyState === 'complete'"));
            } catch (WebDriverException navigating) {
                return false;
            }
        });
    }

    private int audience() {
        return Integer.parseInt(text("#audience"));
    }

    private String message() {
        return text("p.message");
    }

    private String text(String css) {
        return browser.driver.findElement(By.cssSelector(css)).getText().strip();
    }

    private List<String> historyRows() {
        return browser.driver.findElements(By.cssSelector("#history tbody tr")).stream()
                .map(WebElement::getText)
                .toList();
    }

    private Path downloaded(String suffix) {
        return wait(Duration.ofSeconds(20))
                .until(d -> downloadedFiles().stream()
                        .filter(p -> p.getFileName().toString().endsWith(suffix))
                        .findFirst()
                        .orElse(null));
    }

    private List<Path> downloadedFiles() {
        try (Stream<Path> files = Files.list(browser.downloads)) {
            // a download in progress is a .crdownload file
            return files.filter(p -> !p.getFileName().toString().endsWith(".crdownload"))
                    .toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private WebDriverWait wait(Duration timeout) {
        return new WebDriverWait(browser.driver, timeout);
    }
}
