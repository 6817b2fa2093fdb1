package io.stanchion.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A Stanchion server in a child JVM ({@code io.stanchion.Main} on the test classpath, with the JVM flags Chronicle
 * needs), for tests of the command line, startup and crashes. stdout and stderr are merged and captured line by line
 * (also echoed to this JVM's stdout with a prefix, so surefire keeps them in the test's output file).
 *
 * <p>Threading: the output is read on a daemon thread; every method is safe from the test thread.
 */
public final class ServerProcess implements AutoCloseable {
    public static final String READY = "Streaming Server is ready";

    /** Used when this JVM was not started with Chronicle's flags (an IDE run): the list from pom.xml. */
    private static final List<String> FALLBACK_JVM_FLAGS = List.of(
            "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-exports=java.base/jdk.internal.util=ALL-UNNAMED",
            "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
            "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
            "-Dchronicle.analytics.disable=true",
            "-Dchronicle.announcer.disable=true");

    private final Process process;
    private final long startNanos;
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;
    private long readyNanos = -1;

    private ServerProcess(Process process, long startNanos) {
        this.process = process;
        this.startNanos = startNanos;
        this.reader = new Thread(this::readOutput, "server-process-" + process.pid() + "-output");
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /** Launches {@code java [chronicle flags] [extraJvmArgs] -cp <test classpath> io.stanchion.Main args}. */
    public static ServerProcess start(List<String> args) throws IOException {
        return start(List.of(), args);
    }

    public static ServerProcess start(List<String> extraJvmArgs, List<String> args) throws IOException {
        return start(extraJvmArgs, System.getProperty("java.class.path"), args);
    }

    /** As {@link #start(List, List)} with an explicit class path. */
    public static ServerProcess start(List<String> extraJvmArgs, String classPath, List<String> args)
            throws IOException {
        return start(extraJvmArgs, classPath, args, java.util.Map.of());
    }

    /** As {@link #start(List, String, List)} with variables added to the process environment. */
    public static ServerProcess start(List<String> extraJvmArgs, String classPath, List<String> args,
                                      java.util.Map<String, String> environment) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(chronicleJvmFlags());
        cmd.addAll(extraJvmArgs);
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add("io.stanchion.Main");
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(environment);
        long t0 = System.nanoTime();
        Process p = pb.start();
        return new ServerProcess(p, t0);
    }

    /** The module flags (and Chronicle properties) this JVM runs with, as surefire got them from pom.xml. */
    static List<String> chronicleJvmFlags() {
        List<String> flags = new ArrayList<>();
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-exports") || a.startsWith("--add-opens") || a.startsWith("-Dchronicle.")) {
                flags.add(a);
            }
        }
        return flags.isEmpty() ? FALLBACK_JVM_FLAGS : flags;
    }

    private void readOutput() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                long now = System.nanoTime();
                System.out.println("[server " + process.pid() + "] " + line);
                synchronized (this) {
                    lines.add(line);
                    if (readyNanos < 0 && line.contains(READY)) {
                        readyNanos = now;
                    }
                    notifyAll();
                }
            }
        } catch (IOException ignored) {
            // the process went away
        }
    }

    /** Waits until a line matches; false if the time runs out or the process's output ends first. */
    public boolean awaitLine(Predicate<String> match, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            int seen = 0;
            while (true) {
                for (; seen < lines.size(); seen++) {
                    if (match.test(lines.get(seen))) {
                        return true;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || (!reader.isAlive() && seen == lines.size())) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
            }
        }
    }

    /** Waits for {@value #READY}. */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        return awaitLine(l -> l.contains(READY), timeout);
    }

    /** Nanoseconds from just before the process was spawned to the ready line; -1 if not seen (yet). */
    public synchronized long nanosToReady() {
        return readyNanos < 0 ? -1 : readyNanos - startNanos;
    }

    /** Waits for the process to exit and its output to be read; returns the exit code, or null on time-out. */
    public Integer awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return null;
        }
        reader.join(5_000);
        return process.exitValue();
    }

    /** Everything printed so far, one entry per line. */
    public synchronized List<String> lines() {
        return List.copyOf(lines);
    }

    /** Everything printed so far. */
    public String output() {
        return String.join("\n", lines());
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGTERM: the server shuts down through its shutdown hook. */
    public void terminate() {
        process.destroy();
    }

    /** SIGKILL: a crash, nothing runs in the server any more. */
    public void kill() {
        process.destroyForcibly();
    }

    /** Kills the process if still alive and waits for it to be gone. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
        try {
            process.waitFor(10, TimeUnit.SECONDS);
            reader.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
