package swap.disttest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.Assume;
import org.junit.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;

/**
 * The web console (docs/web-console.md) in a real browser: the distribution (cnf/target/swap.jar) in a
 * child JVM on a free HTTP port, Debian's headless Chromium driven through chromedriver (Selenium
 * WebDriver). Opens every swap page of the Felix Web Console, filters the entries, swaps an entry and
 * upgrades an implementation bundle through the confirmation pages, checks the shell sees the results
 * and the timeline shows both, compares a refusal with the shell's, and saves a PNG of each page under
 * target/screenshots. Skipped (with the reason printed) only where /usr/bin/chromium or
 * /usr/bin/chromedriver is missing.
 */
public class WebConsoleIT {
    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    private static final String COUNTER = "swap.example.counter.Counter";
    private static final String[] PAGES = {"swap", "swap-implementations", "swap-services", "swap-timeline", "swap-journal", "swap-health", "swap-fleet"};

    private static void needsChromium() {
        boolean present = Files.isExecutable(Paths.get(CHROMIUM)) && Files.isExecutable(Paths.get(CHROMEDRIVER));
        if (!present) {
            System.out.println("WebConsoleIT SKIPPED: " + CHROMIUM + " or " + CHROMEDRIVER + " missing; install them with: apt-get install chromium chromium-driver");
        }
        Assume.assumeTrue(CHROMIUM + " or " + CHROMEDRIVER + " missing; install them with: apt-get install chromium chromium-driver", present);
    }

    @Test
    public void everyPageASwapAndAnUpgradeWithConfirmation() throws Exception {
        needsChromium();
        Path work = Console.scratch("webconsole");
        Path shots = Files.createDirectories(Paths.get(System.getProperty("swap.screenshots", "target/screenshots")).toAbsolutePath());
        int port = freePort();
        String root = "http://127.0.0.1:" + port + "/system/console/";
        try (Console c = Console.start(work, Console.HTTP_PORT + port)) {
            c.installAndStart(Console.bundle("example.api"));
            long simple = c.installAndStart(Console.bundle("example.simple"));
            c.installAndStart(Console.bundle("example.striped"));
            String a = entry(c.run("swap:create " + COUNTER + " counter.simple"));
            String b = entry(c.run("swap:create " + COUNTER + " counter.simple"));

            // the console's authentication is on, and the default password was announced at start
            assertEquals(401, status(root + "swap"));
            assertTrue(c.transcript(), c.transcript().contains("swap: web console http://127.0.0.1:" + port
                    + "/system/console: user admin, password admin (the default); set a password: docs/web-console.md"));

            WebDriver d = chromium(work.resolve("chromium-profile"));
            try {
                String auth = "http://admin:admin@127.0.0.1:" + port + "/system/console/";
                // every page opens in the console's frame, with its content
                for (int i = 0; i < PAGES.length; i++) {
                    d.get(auth + PAGES[i]);
                    assertTrue(PAGES[i] + ": " + d.getTitle(), d.getTitle().startsWith("Apache Felix Web Console - Swap: "));
                    assertEquals(PAGES[i], 1, d.findElements(By.id("swap-page-" + PAGES[i])).size());
                    screenshot(d, shots.resolve(String.format("%02d-%s.png", i + 1, PAGES[i])));
                }
                d.get(auth + "swap-implementations");
                assertTrue(text(d), text(d).contains("counter.striped") && text(d).contains("trusted"));
                d.get(auth + "swap-health");
                assertEquals("OK", d.findElement(By.id("swap-health-status")).getText());
                d.get(auth + "swap-fleet");
                assertEquals("Fleet: not configured.", d.findElement(By.id("swap-fleet-state")).getText());

                // the filter keeps the rows that contain its text
                d.get(auth + "swap");
                filter(d, "counter.simple");
                assertEquals("2 of 2 entries", d.findElement(By.className("swap-count")).getText());
                filter(d, "no-such-text");
                assertEquals("0 of 2 entries", d.findElement(By.className("swap-count")).getText());
                filter(d, "");

                // swap entry b to counter.striped: the form shows a confirmation page; nothing happens before it is confirmed
                WebElement row = d.findElement(By.cssSelector("tr[data-entry='" + b + "']"));
                new Select(row.findElement(By.name("target"))).selectByValue("counter.striped");
                row.findElement(By.cssSelector("button[value='swap']")).click();
                assertEquals("Swap entry " + b + " to counter.striped.", d.findElement(By.id("swap-confirm-text")).getText());
                screenshot(d, shots.resolve("08-swap-confirm.png"));
                assertTrue(ShellCommandsIT.row(c.run("swap:list"), b).contains("|counter.simple|"));
                confirm(d);
                String swapped = d.findElement(By.id("swap-result")).getText();
                assertTrue(swapped, swapped.matches("(?s)entry " + b + ": COMPLETED \\(counter\\.simple \\S+ -> counter\\.striped .*"));
                screenshot(d, shots.resolve("09-swap-done.png"));
                assertTrue(c.run("swap:list"), ShellCommandsIT.row(c.run("swap:list"), b).contains("|counter.striped|"));

                // a refusal reads as the shell's
                d.get(auth + "swap?action=swap&id=999&target=counter.striped");
                confirm(d);
                String refused = d.findElement(By.id("swap-result")).getText();
                String shell = c.run("swap:swap 999 counter.striped");
                assertTrue(shell, shell.startsWith("swap: "));
                assertEquals("Refused: " + shell.substring("swap: ".length()) + ". Nothing was changed.", refused);

                // a POST that did not come from this console's confirmation page (another site's form, a script) is refused
                String forged = post(root + "swap", "action=release&id=" + b + "&confirmed=yes", "admin:admin");
                assertTrue(forged, forged.contains("Refused: this release was not asked for on the confirmation page of this console"));
                assertTrue(c.run("swap:list"), ShellCommandsIT.row(c.run("swap:list"), b).contains("|counter.striped|"));

                // upgrade swap.example.simple (entry a runs on it) to version 1.1.0 (swap.example.simple2's jar)
                d.get(auth + "swap-implementations");
                WebElement form = d.findElement(By.id("swap-upgrade"));
                new Select(form.findElement(By.name("bundle"))).selectByValue(String.valueOf(simple));
                form.findElement(By.name("location")).sendKeys(Console.bundle("example.simple2"));
                form.findElement(By.cssSelector("button[type='submit']")).click();
                assertTrue(text(d), d.findElement(By.id("swap-confirm-text")).getText().startsWith("Upgrade bundle " + simple + " to the new version at file:"));
                screenshot(d, shots.resolve("10-upgrade-confirm.png"));
                confirm(d);
                String upgraded = d.findElement(By.id("swap-result")).getText();
                assertTrue(upgraded, upgraded.matches("(?s)upgrade of bundle " + simple + " \\(swap\\.example\\.simple \\S+\\) to bundle \\d+ \\(swap\\.example\\.simple 1\\.1\\.0\\): COMPLETED\n"
                        + "  entry " + a + ": counter\\.simple \\S+ -> counter\\.simple 1\\.1\\.0  COMPLETED.*"));
                screenshot(d, shots.resolve("11-upgrade-done.png"));
                assertTrue(ShellCommandsIT.row(c.run("swap:list"), a).contains("|counter.simple|1.1.0|"));

                // the timeline shows the swap and the upgrade, both COMPLETED
                d.get(auth + "swap-timeline");
                assertFalse(d.findElements(By.cssSelector("#swap-timeline circle.swap-event[data-lane='swap'][data-outcome='COMPLETED']")).isEmpty());
                assertEquals(1, d.findElements(By.cssSelector("#swap-timeline circle.swap-event[data-lane='upgrade'][data-outcome='COMPLETED']")).size());
                screenshot(d, shots.resolve("12-swap-timeline-after.png"));
                d.get(auth + "swap-journal");
                assertTrue(text(d), text(d).contains("operator request (web console)"));
                screenshot(d, shots.resolve("13-swap-journal-after.png"));
            } finally {
                d.quit();
            }
            assertEquals(0, c.exit());
        }
        for (String p : PAGES) {
            assertTrue(p, Files.list(shots).anyMatch(f -> f.getFileName().toString().endsWith("-" + p + ".png")));
        }
    }

    /**
     * The credentials story of docs/web-console.md: a user and a SHA-256 password hash in
     * deploy/org.apache.felix.webconsole.internal.servlet.OsgiManager.cfg replace admin/admin, and the
     * start-up line about the default password is gone. Plain HTTP, no browser needed.
     */
    @Test
    public void aConfiguredPasswordReplacesTheDefault() throws Exception {
        Path work = Console.scratch("webconsole-password");
        Files.createDirectories(work.resolve("deploy"));
        String hash = java.util.Base64.getEncoder().encodeToString(
                java.security.MessageDigest.getInstance("SHA-256").digest("s3cret".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        Files.write(work.resolve("deploy/org.apache.felix.webconsole.internal.servlet.OsgiManager.cfg"),
                ("username=ops\npassword={sha-256}" + hash + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        int port = freePort();
        String url = "http://127.0.0.1:" + port + "/system/console/swap";
        try (Console c = Console.start(work, Console.HTTP_PORT + port)) {
            c.run("echo started");
            assertEquals(200, status(url, "ops:s3cret"));
            assertEquals(401, status(url, "admin:admin"));
            assertEquals(401, status(url, null));
            assertFalse(c.transcript(), c.transcript().contains("password admin"));
            // bound to 127.0.0.1 only: the machine's other addresses do not answer on the port
            for (java.net.NetworkInterface n : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
                for (java.net.InetAddress address : java.util.Collections.list(n.getInetAddresses())) {
                    if (!address.isLoopbackAddress() && address instanceof java.net.Inet4Address) {
                        try (java.net.Socket socket = new java.net.Socket()) {
                            socket.connect(new java.net.InetSocketAddress(address, port), 2000);
                            org.junit.Assert.fail("the web console answers on " + address + ":" + port);
                        } catch (IOException refused) {
                            // as it should
                        }
                    }
                }
            }
            assertEquals(0, c.exit());
        }
    }

    private static WebDriver chromium(Path profile) throws IOException {
        Files.createDirectories(profile);
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM);
        o.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--window-size=1400,1000", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
        ChromeDriver d = new ChromeDriver(service, o);
        d.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(Console.COMMAND_TIMEOUT_SECONDS));
        return d;
    }

    private static void filter(WebDriver d, String text) {
        WebElement f = d.findElement(By.id("swap-filter"));
        f.clear();
        f.sendKeys(text);
        f.submit();
    }

    private static void confirm(WebDriver d) {
        WebElement button = d.findElement(By.id("swap-confirm-button"));
        d.findElement(By.id("swap-confirm-box")).click();
        button.click();
        // the click only starts the POST: the result page comes once the action has run, and an upgrade takes
        // seconds on a loaded machine (CI once looked for the result while the confirmation page was still shown)
        org.openqa.selenium.support.ui.WebDriverWait wait = new org.openqa.selenium.support.ui.WebDriverWait(d, Duration.ofSeconds(120));
        wait.until(org.openqa.selenium.support.ui.ExpectedConditions.stalenessOf(button));
        wait.until(org.openqa.selenium.support.ui.ExpectedConditions.presenceOfElementLocated(By.id("swap-result")));
    }

    private static String text(WebDriver d) {
        return d.findElement(By.tagName("body")).getText();
    }

    private static void screenshot(WebDriver d, Path file) throws IOException {
        Files.copy(((TakesScreenshot) d).getScreenshotAs(OutputType.FILE).toPath(), file, StandardCopyOption.REPLACE_EXISTING);
    }

    private static String entry(String created) {
        Matcher m = Pattern.compile("(?m)^entry\\s+(\\d+)$").matcher(created);
        assertTrue(created, m.find());
        return m.group(1);
    }

    private static int status(String url) throws IOException {
        return status(url, null);
    }

    /** The HTTP status of a GET, with basic authentication as {@code user:password} (or none). */
    private static int status(String url, String credentials) throws IOException {
        HttpURLConnection h = (HttpURLConnection) new URL(url).openConnection();
        if (credentials != null) {
            h.setRequestProperty("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(credentials.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        try {
            return h.getResponseCode();
        } finally {
            h.disconnect();
        }
    }

    /** POSTs a form with basic authentication; returns the page. */
    private static String post(String url, String form, String credentials) throws IOException {
        HttpURLConnection h = (HttpURLConnection) new URL(url).openConnection();
        h.setRequestMethod("POST");
        h.setDoOutput(true);
        h.setRequestProperty("Content-Type", "application/x-www-form-urlencoded");
        h.setRequestProperty("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(credentials.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        try {
            try (java.io.OutputStream out = h.getOutputStream()) {
                out.write(form.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            assertEquals(200, h.getResponseCode());
            try (java.io.InputStream in = h.getInputStream()) {
                return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            }
        } finally {
            h.disconnect();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
