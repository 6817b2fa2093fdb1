package io.stanchion;

import io.stanchion.config.ServerConfig;

/** Sets up slf4j-simple from the configuration; must run before the first logger is created. */
final class Logging {
    private Logging() {
    }

    static void configure(ServerConfig config) {
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "info");
        setIfAbsent("org.slf4j.simpleLogger.log.io.stanchion", config.trace ? "trace" : config.debug ? "debug" : "info");
        setIfAbsent("org.slf4j.simpleLogger.log.net.openhft", "warn");
        boolean raftLogging = config.cluster != null && config.cluster.raftLogging();
        setIfAbsent("org.slf4j.simpleLogger.log.org.apache.ratis", raftLogging ? "info" : "error");
        setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true");
        setIfAbsent("org.slf4j.simpleLogger.dateTimeFormat", "yyyy/MM/dd HH:mm:ss.SSS");
        setIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
        setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "true");
        setIfAbsent("org.slf4j.simpleLogger.levelInBrackets", "true");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
