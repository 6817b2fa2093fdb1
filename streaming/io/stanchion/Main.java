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
        Logging.configure(config);
        StanchionServer server;
        try {
            server = StanchionServer.start(config);
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
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "stanchion-shutdown"));
    }
}
