package io.stanchion;

import io.stanchion.config.Flags;
import io.stanchion.config.Redaction;
import io.stanchion.config.ServerConfig;

/** Command-line entry point: {@code java -jar stanchion.jar [flags]}. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        // Before any Chronicle class loads: never let it phone home, and keep its banner quiet.
        System.setProperty("chronicle.analytics.disable", "true");
        System.setProperty("chronicle.announcer.disable", "true");
        ServerConfig config;
        try {
            config = Flags.parse(args);
        } catch (Flags.HelpRequested e) {
            System.out.print(Flags.USAGE);
            return;
        } catch (IllegalArgumentException e) {
            System.err.println("stanchion: " + Redaction.urls(e.getMessage()));
            System.exit(1);
            return;
        }
        try {
            Logging.configure(config);
        } catch (IllegalArgumentException e) {
            System.err.println("stanchion: " + e.getMessage());
            System.exit(1);
            return;
        }
        // Any thread of the process (jnats', Netty's, ours) dying of an uncaught exception stops the server loudly:
        // during startup by exiting, afterwards through the server's fail-stop.
        RunningServer[] running = new RunningServer[1];
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
            RunningServer s = running[0];
            if (s != null) {
                s.failStop().uncaughtHandler().uncaughtException(t, e);
            } else {
                org.slf4j.LoggerFactory.getLogger("io.stanchion.STREAM")
                        .error("Fatal: uncaught exception on thread {} during startup", t.getName(), e);
                Runtime.getRuntime().halt(1);
            }
        });
        RunningServer server;
        try {
            server = config.cluster != null ? io.stanchion.cluster.ClusterNode.start(config, () -> System.exit(1))
                    : config.ftGroup != null ? io.stanchion.ft.FtGroup.start(config, () -> System.exit(1))
                    : StanchionServer.start(config, () -> System.exit(1));
        } catch (StanchionServer.StartupException e) {
            org.slf4j.LoggerFactory.getLogger("io.stanchion.STREAM").error("Failed to start: {}",
                    Redaction.secrets(e.getMessage(), config));
            System.exit(1);
            return;
        } catch (RuntimeException | Error e) {
            // A bug, not an operator error: keep the stack trace, but never leave a half-started process behind
            // (the NATS connection's threads would keep the JVM alive forever, never ready).
            // (its message may quote a URL or a secret: logged redacted, with the original stack trace)
            RuntimeException shown = new RuntimeException(Redaction.secrets(e.toString(), config));
            shown.setStackTrace(e.getStackTrace());
            org.slf4j.LoggerFactory.getLogger("io.stanchion.STREAM").error("Failed to start: unexpected error", shown);
            System.exit(1);
            return;
        }
        running[0] = server;
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "stanchion-shutdown"));
    }
}
