package io.stanchion.store;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A small tmpfs mounted for a test (needs root): a real file system that fills up. {@link #mount} skips the test
 * (JUnit assumption) with the reason when it cannot mount; {@link #close} unmounts it.
 */
public final class SmallTmpfs implements AutoCloseable {
    public final Path dir;

    private SmallTmpfs(Path dir) {
        this.dir = dir;
    }

    public static SmallTmpfs mount(Path dir, int megabytes) throws IOException, InterruptedException {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "mounting a tmpfs needs root; running as " + System.getProperty("user.name"));
        Files.createDirectories(dir);
        int rc = run("mount", "-t", "tmpfs", "-o", "size=" + megabytes + "m", "tmpfs", dir.toString());
        Assumptions.assumeTrue(rc == 0, "mount -t tmpfs failed with exit code " + rc + " (no CAP_SYS_ADMIN?)");
        return new SmallTmpfs(dir);
    }

    /** Writes a file of {@code megabytes} of zeros (real pages on tmpfs). */
    public Path filler(String name, int megabytes) throws IOException {
        return Files.write(dir.resolve(name), new byte[megabytes << 20]);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        // lazy: a mapping Chronicle has not released yet must not keep the mount alive
        run("umount", "-l", dir.toString());
    }

    private static int run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
