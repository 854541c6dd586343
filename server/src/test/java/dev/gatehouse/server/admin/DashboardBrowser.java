package dev.gatehouse.server.admin;

import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The system's headless Chromium, driven through its chromedriver (Debian's {@code chromium} and {@code chromium-driver};
 * {@code .ci/run} installs them): nothing is downloaded at test time. A fresh profile per browser, removed on close;
 * screenshots go to {@code target/dashboard-screenshots/} so a failing run shows what the browser saw.
 */
final class DashboardBrowser implements AutoCloseable {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SCREENSHOTS = Path.of("target", "dashboard-screenshots");
    private static final Duration WAIT = Duration.ofSeconds(20);

    final ChromeDriver driver;
    private final Path profile;
    private final String base;

    DashboardBrowser(String base, int width, int height) {
        assertThat(CHROMIUM).as("Debian's chromium (apt-get install chromium chromium-driver; .ci/run installs it)").isExecutable();
        assertThat(CHROMEDRIVER).as("Debian's chromedriver (apt-get install chromium-driver)").isExecutable();
        this.base = base;
        try {
            this.profile = Files.createTempDirectory("gatehouse-chromium-");
            Files.createDirectories(SCREENSHOTS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--user-data-dir=" + profile, "--window-size=" + width + "," + height, "--lang=en-GB");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        this.driver = new ChromeDriver(service, options);
    }

    /** Opens a page of the dashboard, e.g. {@code "#/keys"} ({@code ""} for the start). */
    void open(String fragment) {
        driver.get(base + "/" + fragment);
    }

    /** Signs in with an email and password on the sign-in page and waits for the dashboard's navigation. */
    void signIn(String email, String password) {
        open("");
        WebElement field = until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#signin-password input[type=email]")));
        field.sendKeys(email);
        driver.findElement(By.cssSelector("#signin-password input[type=password]")).sendKeys(password);
        driver.findElement(By.cssSelector("#signin-password button[type=submit]")).click();
    }

    void signOut() {
        By button = By.xpath("//header//button[normalize-space()='Sign out']");
        until(ExpectedConditions.elementToBeClickable(button)).click();
        until(ExpectedConditions.visibilityOfElementLocated(By.id("signin-password")));
    }

    /**
     * Waits for {@code condition} to give something other than null or false. An element the page drew again meanwhile
     * (stale) counts as not yet: the condition is asked again, and finds the new one.
     */
    <T> T until(Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, WAIT).ignoring(StaleElementReferenceException.class).until(condition::apply);
    }

    /** The text of the first element {@code css} finds, read in one step (the page may redraw it at any moment). */
    String text(String css) {
        return until(d -> (String) ((JavascriptExecutor) d).executeScript(
                "const e = document.querySelector(arguments[0]); return e ? e.innerText : null;", css));
    }

    /** Clicks the button labelled {@code label} in the first row of the table {@code table} whose text contains {@code rowText}. */
    void clickInRow(String table, String rowText, String label) {
        until(d -> {
            for (WebElement row : d.findElements(By.cssSelector(table + " tbody tr"))) {
                if (row.getText().contains(rowText)) {
                    row.findElement(By.xpath(".//button[normalize-space()='" + label + "']")).click();
                    return true;
                }
            }
            return false;
        });
    }

    /** The text of the first row of {@code table} that contains {@code rowText}, once there is one. */
    String row(String table, String rowText) {
        return until(d -> d.findElements(By.cssSelector(table + " tbody tr")).stream().map(WebElement::getText)
                .filter(t -> t.contains(rowText)).findFirst().orElse(null));
    }

    WebElement find(String css) {
        return until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(css)));
    }

    /** The whole page as a PNG in target/dashboard-screenshots/{name}.png (the window grown to the page's height meanwhile). */
    Path screenshot(String name) {
        Dimension size = driver.manage().window().getSize();
        Number height = (Number) ((JavascriptExecutor) driver).executeScript(
                "return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)");
        driver.manage().window().setSize(new Dimension(size.width, Math.min(Math.max(height.intValue() + 140, size.height), 4000)));
        try {
            Path file = SCREENSHOTS.resolve(name + ".png");
            Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            driver.manage().window().setSize(size);
        }
    }

    /** What the page wrote to its console at level SEVERE (script errors, failed loads) since the last call. */
    List<String> severeConsoleMessages() {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream().filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogEntry::getMessage).toList();
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            } catch (IOException e) {
                // a profile left in the temporary directory is harmless
            }
        }
    }
}
