package io.stanchion.store.chronicle;

/**
 * System properties Chronicle reads in its static initialisers. They must be set before the first Chronicle class is
 * initialised, so every class of this package that can be the first to touch Chronicle calls {@link #apply()} from its
 * own static initialiser. A property already set (command line, {@code system.properties}) is left alone.
 */
final class ChronicleSettings {

    private static volatile boolean applied;

    private ChronicleSettings() {
    }

    static void apply() {
        if (applied) {
            return;
        }
        synchronized (ChronicleSettings.class) {
            if (applied) {
                return;
            }
            // Usage analytics: the jar is excluded in the pom; this also stops it if it ever comes back transitively.
            setIfAbsent("chronicle.analytics.disable", "true");
            // Start-up banner ("Leave your e-mail ...", process id).
            setIfAbsent("chronicle.announcer.disable", "true");
            // "Took N ms to add mapping / grow file / pollDiskSpace" lines logged at INFO.
            setIfAbsent("disable.perf.info", "true");
            applied = true;
        }
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
