package io.stanchion.bench;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * config/jvm.options, the server's default JVM options, and the launchers that use it: a valid {@code java} argument
 * file, overridden by options given after it, and used by bin/run, the Docker image, docker-compose (through the image)
 * and the benchmark's server JVMs, always before the user's options.
 */
class JvmOptionsTest {
    private static final Path FILE = BenchMatrix.JVM_OPTIONS;

    /** {@code java [options] -XX:+PrintFlagsFinal -version}: MaxHeapSize in bytes. */
    private static long maxHeap(String... options) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(options));
        cmd.add("-XX:+PrintFlagsFinal");
        cmd.add("-version");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("java %s%n%s", cmd, out).isZero();
        Matcher m = Pattern.compile("\\bMaxHeapSize\\s+=\\s+(\\d+)").matcher(out);
        assertThat(m.find()).as(out).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void theFileIsAJavaArgumentFileBoundingTheHeapAndLaterOptionsOverrideIt() throws Exception {
        List<String> options = BenchMatrix.argumentFileOptions(FILE);
        assertThat(options).as("options of %s", FILE).anyMatch(o -> o.startsWith("-Xmx"));
        String xmx = options.stream().filter(o -> o.startsWith("-Xmx")).reduce((a, b) -> b).orElseThrow();
        long bytes = parseSize(xmx.substring(4));

        assertThat(maxHeap("@" + FILE.toAbsolutePath())).isEqualTo(bytes);
        // JAVA_OPTS come after the file: the last -Xmx wins
        assertThat(maxHeap("@" + FILE.toAbsolutePath(), "-Xmx1g")).isEqualTo(1L << 30);
    }

    @Test
    void everyLauncherStartsTheServerWithTheFileBeforeTheUsersOptions() throws IOException {
        String lib = Files.readString(Path.of("bin", "lib.sh"));
        assertThat(lib).contains("JVM_OPTIONS_FILE=\"$STANCHION_ROOT/config/jvm.options\"");
        String run = Files.readString(Path.of("bin", "run"));
        assertThat(run).contains("java $CDS_FLAGS \"@$JVM_OPTIONS_FILE\" ${JAVA_OPTS:-} -jar \"$JAR\"");

        String dockerfile = Files.readString(Path.of("Dockerfile"));
        assertThat(dockerfile).contains("COPY config/jvm.options /app/jvm.options");
        Matcher entry = Pattern.compile("(?m)^ENTRYPOINT (.*)$").matcher(dockerfile);
        assertThat(entry.find()).isTrue();
        assertThat(entry.group(1)).contains("exec java @/app/jvm.options $JAVA_OPTS -jar /app/stanchion.jar");
        assertThat(Files.readString(Path.of("docker-compose.yml"))).contains("JAVA_OPTS:");

        BenchMatrix m = new BenchMatrix();
        m.loadJvmOptions();
        String at = "@" + FILE.toAbsolutePath();
        List<String> file = List.of("-st", "FILE", "--dir", "/tmp/x");
        List<String> memory = List.of("-st", "MEMORY");
        assertThat(m.serverJvmOptions(List.of("-Xmx1g"), file)).containsExactly(at, "-Xmx1g");
        assertThat(m.serverJvmOptions(List.of(), memory)).containsExactly(at, BenchMatrix.MEMORY_STORE_HEAP);
        assertThat(m.serverJvmOptions(List.of("-Xmx8g"), memory))
                .containsExactly(at, BenchMatrix.MEMORY_STORE_HEAP, "-Xmx8g");

        BenchMatrix without = new BenchMatrix();
        without.jvmOptions = false;
        without.loadJvmOptions();
        assertThat(without.serverJvmOptions(List.of(), memory)).isEmpty();
    }

    @Test
    void argumentFileCommentsAndSpacing() throws IOException {
        Path f = Files.createTempFile("jvm", ".options");
        try {
            Files.writeString(f, "# a comment\n\n  -Xmx64m   -Xss512k # trailing\n-XX:+UseSerialGC\n");
            assertThat(BenchMatrix.argumentFileOptions(f)).containsExactly("-Xmx64m", "-Xss512k", "-XX:+UseSerialGC");
        } finally {
            Files.delete(f);
        }
    }

    private static long parseSize(String s) {
        char unit = Character.toLowerCase(s.charAt(s.length() - 1));
        long k = switch (unit) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            default -> 1;
        };
        return Long.parseLong(Character.isDigit(unit) ? s : s.substring(0, s.length() - 1)) * k;
    }
}
