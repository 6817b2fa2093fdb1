package io.stanchion.config;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Command-line flags with the original server's names: {@code -flag value}, {@code -flag=value}, {@code --flag value};
 * booleans as {@code -flag} or {@code -flag=false}. Later flags override earlier ones.
 */
public final class Flags {

    /** Thrown when the user asked for the usage text. */
    public static final class HelpRequested extends RuntimeException {
        public HelpRequested() {
            super(null, null, false, false);
        }
    }

    public static final String USAGE = """
            Usage: java -jar stanchion.jar [options]

            Streaming Server Options:
                -cid, --cluster_id  <string>     Cluster ID (default: test-cluster)
                -st,  --store <string>           Store type: MEMORY|FILE (default: MEMORY)
                      --dir <string>             For FILE store type, this is the root directory
                -ns,  --nats_server <string>     Connect to this external NATS Server URL(s), comma separated
                                                 (default: nats://127.0.0.1:4222)
                -mc,  --max_channels <int>       Max number of channels (0 for unlimited) (default: 100)
                -msu, --max_subs <int>           Max number of subscriptions per channel (0 for unlimited) (default: 1000)
                -hbi, --hb_interval <duration>   Interval at which server sends heartbeat to a client (default: 30s)
                -hbt, --hb_timeout <duration>    How long server waits for a heartbeat response (default: 10s)
                -hbf, --hb_fail_count <int>      Number of failed heartbeats before server closes the client connection
                                                 (default: 10)
                      --replace_durable <bool>   Replace the existing durable subscription instead of reporting a
                                                 duplicate durable error (default: false)
                      --io_batch_size <int>      Max number of requests processed as one batch (default: 1024)

            Streaming Server File Store Options:
                      --file_sync <bool>         Fsync the log after each batch, before the PubAcks (default: false)
                      --file_truncate_bad_eof    Truncate a torn or corrupt tail found at startup instead of failing

            Streaming Server Logging Options:
                -SD,  --stan_debug=<bool>        Enable STAN debugging output
                -SV,  --stan_trace=<bool>        Trace the raw STAN protocol
                -SDV                             Debug and trace STAN
                -DV                              Debug and trace (STAN)

            NATS Client Options:
                      --user <string>            User for the connection to NATS
                      --pass <string>            Password for the connection to NATS
                      --auth <string>            Authorization token for the connection to NATS

            Monitoring Options:
                -m,   --http_port <int>          HTTP port for /streaming monitoring and /metrics (0 = off)
                -mh,  --http_host <string>       Address the monitoring server binds to (default: 127.0.0.1)

            Common Options:
                -h,   --help                     Show this message
            """;

    private Flags() {
    }

    /** Parses {@code args} over the defaults. Errors are IllegalArgumentException with a one-line message. */
    public static ServerConfig parse(String... args) {
        return parse(ServerConfig.builder(), args);
    }

    /** Parses {@code args} over {@code base} (defaults, or a config file's values). */
    public static ServerConfig parse(ServerConfig.Builder base, String... args) {
        ServerConfig.Builder b = base;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("-") || arg.equals("-") || arg.equals("--")) {
                throw new IllegalArgumentException("unexpected argument \"" + arg + "\" (see --help)");
            }
            String name = arg.replaceFirst("^--?", "");
            String inline = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                inline = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            Flag flag = Flag.byName(name);
            if (flag == null) {
                throw new IllegalArgumentException("flag provided but not defined: -" + name + " (see --help)");
            }
            String value;
            if (flag.bool) {
                value = inline == null ? "true" : inline;
            } else if (inline != null) {
                value = inline;
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException("flag needs an argument: -" + name);
            }
            try {
                apply(b, flag, value);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid value \"" + value + "\" for flag -" + name + ": "
                        + e.getMessage());
            }
        }
        return b.build();
    }

    private static void apply(ServerConfig.Builder b, Flag flag, String v) {
        switch (flag) {
            case CLUSTER_ID -> b.clusterId(v);
            case STORE -> b.storeType(storeType(v));
            case DIR -> b.dir(Path.of(v));
            case NATS_SERVER -> b.natsUrls(Arrays.stream(v.split(",")).map(String::trim)
                    .filter(s -> !s.isEmpty()).toList());
            case MAX_CHANNELS -> b.maxChannels(nonNegativeInt(v));
            case MAX_SUBS -> b.maxSubs(nonNegativeInt(v));
            case HB_INTERVAL -> b.hbInterval(Durations.parse(v));
            case HB_TIMEOUT -> b.hbTimeout(Durations.parse(v));
            case HB_FAIL_COUNT -> b.hbFailCount(nonNegativeInt(v));
            case REPLACE_DURABLE -> b.replaceDurable(bool(v));
            case IO_BATCH_SIZE -> b.ioBatchSize(nonNegativeInt(v));
            case FILE_SYNC -> b.fileSync(bool(v));
            case FILE_TRUNCATE_BAD_EOF -> b.fileTruncateBadEof(bool(v));
            case STAN_DEBUG -> b.debug(bool(v));
            case STAN_TRACE -> b.trace(bool(v));
            case DEBUG_TRACE -> b.debug(bool(v)).trace(bool(v));
            case USER -> b.natsUser(v);
            case PASS -> b.natsPassword(v);
            case AUTH -> b.natsToken(v);
            case HTTP_PORT -> b.httpPort(nonNegativeInt(v));
            case HTTP_HOST -> b.httpHost(v);
            case HELP -> throw new HelpRequested();
        }
    }

    static ServerConfig.StoreType storeType(String v) {
        try {
            return ServerConfig.StoreType.valueOf(v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unsupported store type \"" + v + "\" (MEMORY or FILE)");
        }
    }

    static int nonNegativeInt(String v) {
        int n;
        try {
            n = Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an integer");
        }
        if (n < 0) {
            throw new IllegalArgumentException("can't be negative");
        }
        return n;
    }

    static boolean bool(String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "1", "t", "yes", "on" -> true;
            case "false", "0", "f", "no", "off" -> false;
            default -> throw new IllegalArgumentException("not a boolean");
        };
    }

    private enum Flag {
        CLUSTER_ID(false, "cid", "cluster_id"),
        STORE(false, "st", "store"),
        DIR(false, "dir"),
        NATS_SERVER(false, "ns", "nats_server"),
        MAX_CHANNELS(false, "mc", "max_channels"),
        MAX_SUBS(false, "msu", "max_subs"),
        HB_INTERVAL(false, "hbi", "hb_interval"),
        HB_TIMEOUT(false, "hbt", "hb_timeout"),
        HB_FAIL_COUNT(false, "hbf", "hb_fail_count"),
        REPLACE_DURABLE(true, "replace_durable"),
        IO_BATCH_SIZE(false, "io_batch_size"),
        FILE_SYNC(true, "file_sync"),
        FILE_TRUNCATE_BAD_EOF(true, "file_truncate_bad_eof"),
        STAN_DEBUG(true, "SD", "stan_debug"),
        STAN_TRACE(true, "SV", "stan_trace"),
        DEBUG_TRACE(true, "SDV", "DV"),
        USER(false, "user"),
        PASS(false, "pass"),
        AUTH(false, "auth"),
        HTTP_PORT(false, "m", "http_port"),
        HTTP_HOST(false, "mh", "http_host"),
        HELP(true, "h", "help");

        final boolean bool;
        final List<String> names;

        Flag(boolean bool, String... names) {
            this.bool = bool;
            this.names = List.of(names);
        }

        static Flag byName(String name) {
            for (Flag f : values()) {
                if (f.names.contains(name)) {
                    return f;
                }
            }
            return null;
        }
    }
}
