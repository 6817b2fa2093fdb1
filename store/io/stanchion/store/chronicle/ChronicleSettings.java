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
            skipNativePosixBinding();
            applied = true;
        }
    }

    /**
     * Chronicle's first class initialisation binds a native POSIX library through jnr-ffi (a quarter of a second of
     * class loading and code generation at every start) although this store uses none of it: the queues run with
     * {@code SyncMode.NONE} (fsync goes through {@code FileChannel.force}) and without pre-touching. Chronicle's
     * no-op binding is installed instead, unless {@code -Dstanchion.chronicle.posix=true}. Best effort: if the
     * holder class is not there (another Chronicle version), Chronicle binds as usual.
     */
    private static void skipNativePosixBinding() {
        if (Boolean.getBoolean("stanchion.chronicle.posix")) {
            return;
        }
        try {
            Class.forName("net.openhft.posix.internal.PosixAPIHolder").getMethod("useNoOpPosixApi").invoke(null);
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            // keep Chronicle's default
        }
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
