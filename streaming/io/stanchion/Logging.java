package io.stanchion;

import io.stanchion.config.ServerConfig;

/**
 * Sets up slf4j-simple from the configuration (levels, timestamps, {@code -l} log file with SIGUSR1 reopening,
 * SIGHUP ignored); must run before the first logger is created.
 */
final class Logging {
    private Logging() {
    }

    static void configure(ServerConfig config) {
        if (config.logFile != null) {
            try {
                LogFile file = new LogFile(config.logFile);
                System.setErr(new java.io.PrintStream(file, true, java.nio.charset.StandardCharsets.UTF_8));
                onSignal("USR1", () -> {
                    try {
                        file.reopen();
                        org.slf4j.LoggerFactory.getLogger("io.stanchion.STREAM").info("Log file reopened");
                    } catch (java.io.IOException e) {
                        System.out.println("stanchion: cannot reopen log file " + config.logFile + ": " + e);
                    }
                });
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("cannot open log file " + config.logFile + ": " + e.getMessage());
            }
        }
        // The original reloads its embedded NATS server's configuration on SIGHUP; there is none here.
        onSignal("HUP", () -> org.slf4j.LoggerFactory.getLogger("io.stanchion.STREAM")
                .info("SIGHUP ignored (no embedded NATS server configuration to reload)"));
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "info");
        setIfAbsent("org.slf4j.simpleLogger.log.io.stanchion", config.trace ? "trace" : config.debug ? "debug" : "info");
        setIfAbsent("org.slf4j.simpleLogger.log.net.openhft", "warn");
        boolean raftLogging = config.cluster != null && config.cluster.raftLogging();
        setIfAbsent("org.slf4j.simpleLogger.log.org.apache.ratis", raftLogging ? "info" : "error");
        setIfAbsent("org.slf4j.simpleLogger.showDateTime", String.valueOf(config.logTime));
        setIfAbsent("org.slf4j.simpleLogger.dateTimeFormat", "yyyy/MM/dd HH:mm:ss.SSS");
        setIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
        setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "true");
        setIfAbsent("org.slf4j.simpleLogger.levelInBrackets", "true");
    }

    /** Runs {@code action} on the signal (where the JVM lets it be handled; else it keeps its default). */
    private static void onSignal(String name, Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal(name), s -> action.run());
        } catch (IllegalArgumentException e) {
            // not available on this platform, or reserved by the JVM
        }
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
