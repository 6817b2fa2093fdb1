package io.stanchion.e2e;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/**
 * Headless Chromium driven through chromedriver's W3C WebDriver HTTP API with java.net.http (no Selenium). Both
 * come from Debian's {@code chromium} and {@code chromium-driver} packages ({@code /usr/bin/chromium},
 * {@code /usr/bin/chromedriver}; override with $CHROMIUM_BIN / $CHROMEDRIVER_BIN). When they are missing the
 * browser tests are skipped, saying why: install them with {@code apt-get install -y chromium chromium-driver}.
 *
 * <p>The browser is started with everything that talks to the network by itself turned off: only loopback traffic.
 */
final class HeadlessChromium implements AutoCloseable {
    static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM_BIN", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getenv().getOrDefault("CHROMEDRIVER_BIN", "/usr/bin/chromedriver"));

    private final Process driver;
    private final String base;
    private final Path profile;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private String session;

    /** Skips the test (a JUnit assumption, with the reason) when Chromium or chromedriver is not installed. */
    static void assumeInstalled() {
        List<String> missing = new ArrayList<>();
        for (Path p : List.of(CHROMIUM, CHROMEDRIVER)) {
            if (!Files.isExecutable(p)) {
                missing.add(p.toString());
            }
        }
        Assumptions.assumeTrue(missing.isEmpty(), () -> "browser test skipped: "
                + String.join(" and ", missing) + " not installed; install them with "
                + "'apt-get update && apt-get install -y chromium chromium-driver', or point $CHROMIUM_BIN / "
                + "$CHROMEDRIVER_BIN at them");
    }

    private HeadlessChromium(Process driver, int port, Path profile, Path log) {
        this.driver = driver;
        this.base = "http://127.0.0.1:" + port;
        this.profile = profile;
        this.log = log;
    }

    /** Starts chromedriver on a free loopback port and opens a browser session with this window size. */
    static HeadlessChromium start(int width, int height) throws IOException {
        assumeInstalled();
        int port = NatsServerProcess.freePort();
        Path log = Files.createTempFile("chromedriver-" + port + "-", ".log");
        Path profile = Files.createTempDirectory("chromium-profile-");
        Process p = new ProcessBuilder(CHROMEDRIVER.toString(), "--port=" + port, "--allowed-ips=127.0.0.1")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        HeadlessChromium c = new HeadlessChromium(p, port, profile, log);
        try {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                    .until(() -> Boolean.TRUE.equals(map(c.call("GET", "/status", null).get("value")).get("ready")));
            List<String> args = List.of("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-default-apps", "--disable-extensions", "--no-first-run", "--no-default-browser-check",
                    "--disable-features=Translate,OptimizationHints,MediaRouter", "--hide-scrollbars",
                    "--force-device-scale-factor=1", "--user-data-dir=" + profile,
                    "--window-size=" + width + "," + height);
            StringBuilder a = new StringBuilder();
            for (String arg : args) {
                a.append(a.length() == 0 ? "" : ",").append(quote(arg));
            }
            Map<String, Object> r = c.call("POST", "/session", "{\"capabilities\":{\"alwaysMatch\":{"
                    + "\"browserName\":\"chrome\",\"pageLoadStrategy\":\"normal\",\"goog:chromeOptions\":{"
                    + "\"binary\":" + quote(CHROMIUM.toString()) + ",\"args\":[" + a + "]}}}}");
            c.session = (String) map(r.get("value")).get("sessionId");
            c.call("POST", "/session/" + c.session + "/window/rect",
                    "{\"width\":" + width + ",\"height\":" + height + "}");
            return c;
        } catch (RuntimeException | Error e) {
            c.close();
            throw e;
        }
    }

    void open(String url) {
        call("POST", "/session/" + session + "/url", "{\"url\":" + quote(url) + "}");
    }

    /** Runs a synchronous script ({@code return ...}) and returns its JSON-decoded value. */
    Object script(String js) {
        return call("POST", "/session/" + session + "/execute/sync", "{\"script\":" + quote(js) + ",\"args\":[]}")
                .get("value");
    }

    /** Resizes the window, e.g. to the document's height before a full-page screenshot. */
    void resize(int width, int height) {
        call("POST", "/session/" + session + "/window/rect", "{\"width\":" + width + ",\"height\":" + height + "}");
    }

    byte[] screenshot() {
        return Base64.getDecoder().decode((String) call("GET", "/session/" + session + "/screenshot", null)
                .get("value"));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    private Map<String, Object> call(String method, String path, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
        b = switch (method) {
            case "GET" -> b.GET();
            case "DELETE" -> b.DELETE();
            default -> b.header("Content-Type", "application/json; charset=utf-8")
                    .POST(HttpRequest.BodyPublishers.ofString(body));
        };
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("WebDriver " + method + " " + path + " -> " + r.statusCode() + ": "
                        + r.body() + "\n(chromedriver log: " + log + ")");
            }
            return MiniJson.object(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    @Override
    public void close() {
        try {
            if (session != null) {
                call("DELETE", "/session/" + session, null);
            }
        } catch (RuntimeException ignored) {
            // the process is stopped below anyway
        } finally {
            ProcessHandle.of(driver.pid()).ifPresent(h -> h.descendants().forEach(ProcessHandle::destroy));
            driver.destroy();
            try {
                if (!driver.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                    driver.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            deleteRecursively(profile);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory: best effort
        }
    }
}
