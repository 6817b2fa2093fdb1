package io.stanchion.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Command-line flags with the original server's names, parsed like Go's {@code flag} package: {@code -flag value},
 * {@code -flag=value}, {@code --flag value}; booleans as {@code -flag} or {@code -flag=false}. Sizes accept suffixes
 * ({@code 1GB}), durations are Go-style ({@code 1h30m}). Later flags override earlier ones.
 *
 * <p>Precedence: defaults &lt; configuration file ({@code -sc}/{@code -c}) &lt; flags, wherever the file flag is on
 * the command line. As in the original, {@code -sc} alone or {@code -c} alone is read for everything; with both,
 * {@code -c} (the NATS server's file) only contributes its NATS keys and {@code -sc} the streaming ones.
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
                -cid, --cluster_id <string>          Cluster ID (default: test-cluster)
                -st,  --store <string>               Store type: MEMORY|FILE (default: MEMORY)
                      --dir <string>                 For FILE store type, this is the root directory
                -mc,  --max_channels <int>           Max number of channels (0 for unlimited) (default: 100)
                -msu, --max_subs <int>               Max number of subscriptions per channel (0 for unlimited)
                                                     (default: 1000)
                -mm,  --max_msgs <int>               Max number of messages per channel (0 for unlimited)
                                                     (default: 1000000)
                -mb,  --max_bytes <size>             Max messages total size per channel (0 for unlimited),
                                                     e.g. 1024, 10MB, 1GB (default: 1024000000)
                -ma,  --max_age <duration>           Max duration a message can be stored ("0s" for unlimited)
                -mi,  --max_inactivity <duration>    Max inactivity (no new message, no subscription) after which
                                                     a channel can be garbage collected (0 for unlimited)
                -ns,  --nats_server <string>         Connect to this NATS Server URL (comma separated list accepted)
                                                     (default: nats://127.0.0.1:4222)
                -sc,  --stan_config <string>         Streaming server configuration file
                -hbi, --hb_interval <duration>       Interval at which server sends heartbeat to a client
                                                     (default: 30s)
                -hbt, --hb_timeout <duration>        How long server waits for a heartbeat response (default: 10s)
                -hbf, --hb_fail_count <int>          Number of failed heartbeats before server closes the client
                                                     connection (default: 10)
                      --discover_prefix <string>     Prefix of the subject clients connect on
                                                     (default: _STAN.discover)
                      --replace_durable <bool>       Replace the existing durable subscription instead of reporting
                                                     a duplicate durable error (default: false)
                      --io_batch_size <int>          Max number of requests processed as one batch (default: 1024)

            Streaming Server File Store Options:
                      --file_sync <bool>             Fsync the log after each batch, before the PubAcks
                                                     (default: true; --file_sync=false to turn it off)
                      --file_truncate_bad_eof <bool> Truncate a torn or corrupt tail found at startup instead of
                                                     failing (data loss may occur)
                      --file_roll_cycle <string>     Chronicle roll cycle of the logs; retention frees disk a
                                                     cycle file at a time (default: LARGE_DAILY)
                      --file_min_free <size>         Free disk space to keep: a publish that would leave less
                                                     is refused with "no space left on device" (default: 64MB)
                      --file_compact_enabled, --file_compact_frag, --file_compact_interval,
                      --file_compact_min_size, --file_buffer_size, --file_crc, --file_crc_poly,
                      --file_slice_max_msgs, --file_slice_max_bytes, --file_slice_max_age,
                      --file_slice_archive_script, --file_fds_limit, --file_parallel_recovery,
                      --file_read_buffer_size, --file_auto_sync, --io_sleep_time
                                                     Tuning of the original's file store: accepted for
                                                     compatibility, ignored (with a warning)

            Streaming Server TLS Options (connection to NATS):
                -secure <bool>                       Use a TLS connection to the NATS server
                -tls_client_key <string>             Client key for the streaming server (PEM)
                -tls_client_cert <string>            Client certificate for the streaming server (PEM)
                -tls_client_cacert <string>          Client certificate CA for the streaming server (PEM)

            Streaming Server Logging Options:
                -SD,  --stan_debug=<bool>            Enable STAN debugging output
                -SV,  --stan_trace=<bool>            Trace the raw STAN protocol
                -SDV                                 Debug and trace STAN
                -DV                                  Debug and trace (STAN)

            NATS Connection Authorization Options:
                      --user <string>                User for the connection to NATS
                      --pass <string>                Password for the connection to NATS
                      --auth <string>                Authorization token for the connection to NATS
                (credentials files and NKey seeds: "credentials" and "nkey_seed_file" in the configuration file)

            Monitoring Options:
                -m,   --http_port <int>              HTTP port for /streaming monitoring and /metrics (0 = off)
                -mh,  --http_host <string>           Address the monitoring server binds to (default: 127.0.0.1)
                      --http_jsonp <bool>            Answer ?callback=fn with JSONP (default: false)
                      --http_allowed_hosts <string>  Comma list of extra Host header values accepted (DNS
                                                     rebinding check; * = any; default: none)

            Configuration Files:
                -sc,  --stan_config <string>         Streaming server configuration file
                -c,   --config <string>              NATS server configuration file (also read for streaming
                                                     when -sc is not given)
                Command-line flags override the configuration file.

            Common Options:
                -h,   --help                         Show this message
            """;

    private Flags() {
    }

    /** Parses {@code args} over the defaults. Errors are IllegalArgumentException with a one-line message. */
    public static ServerConfig parse(String... args) {
        return parse(ServerConfig.builder(), args);
    }

    /** Parses {@code args} over {@code base} (defaults, or values set programmatically). */
    public static ServerConfig parse(ServerConfig.Builder base, String... args) {
        List<Parsed> parsed = scan(args);
        Path stanConfig = null;
        Path natsConfig = null;
        for (Parsed p : parsed) {
            if (p.flag == Flag.HELP && bool(p.value)) {
                throw new HelpRequested();
            }
            if (p.flag == Flag.STAN_CONFIG) {
                stanConfig = Path.of(p.value);
            } else if (p.flag == Flag.NATS_CONFIG) {
                natsConfig = Path.of(p.value);
            }
        }
        ServerConfig.Builder b = base;
        if (stanConfig != null && natsConfig != null) {
            ConfigFile.load(natsConfig, b, true);
            ConfigFile.load(stanConfig, b, false);
        } else if (stanConfig != null || natsConfig != null) {
            ConfigFile.load(stanConfig != null ? stanConfig : natsConfig, b, false);
        }
        for (Parsed p : parsed) {
            try {
                apply(b, p.flag, p.value, p.name);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid value \"" + p.value + "\" for flag -" + p.name + ": "
                        + e.getMessage());
            }
        }
        return b.build();
    }

    private record Parsed(Flag flag, String name, String value) {
    }

    /** Names and values, checked for existence only; Go's rules for booleans and values. */
    private static List<Parsed> scan(String[] args) {
        List<Parsed> out = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("-") || arg.equals("-") || arg.equals("--") || arg.startsWith("---")) {
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
            if (flag.type == Type.BOOL) {
                value = inline == null ? "true" : inline;
                try {
                    bool(value);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("invalid boolean value \"" + value + "\" for flag -" + name);
                }
            } else if (inline != null) {
                value = inline;
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException("flag needs an argument: -" + name);
            }
            out.add(new Parsed(flag, name, value));
        }
        return out;
    }

    private static void apply(ServerConfig.Builder b, Flag flag, String v, String name) {
        switch (flag) {
            case CLUSTER_ID -> b.clusterId(v);
            case STORE -> b.storeType(storeType(v));
            case DIR -> b.dir(Path.of(v));
            case NATS_SERVER -> b.natsUrls(Arrays.stream(v.split(",")).map(String::trim)
                    .filter(s -> !s.isEmpty()).toList());
            case MAX_CHANNELS -> b.maxChannels(nonNegativeInt(v));
            case MAX_SUBS -> b.maxSubs(nonNegativeInt(v));
            case MAX_MSGS -> b.maxMsgs(nonNegativeInt(v));
            case MAX_BYTES -> b.maxBytes(nonNegative(Durations.parseSize(v)));
            case MAX_AGE -> b.maxAge(nonNegative(Durations.parse(v)));
            case MAX_INACTIVITY -> b.maxInactivity(nonNegative(Durations.parse(v)));
            case HB_INTERVAL -> b.hbInterval(Durations.parse(v));
            case HB_TIMEOUT -> b.hbTimeout(Durations.parse(v));
            case HB_FAIL_COUNT -> b.hbFailCount(nonNegativeInt(v));
            case DISCOVER_PREFIX -> b.discoverPrefix(v);
            case REPLACE_DURABLE -> b.replaceDurable(bool(v));
            case IO_BATCH_SIZE -> b.ioBatchSize(nonNegativeInt(v));
            case FILE_SYNC -> b.fileSync(bool(v));
            case FILE_TRUNCATE_BAD_EOF -> b.fileTruncateBadEof(bool(v));
            case FILE_ROLL_CYCLE -> b.fileRollCycle(v);
            case FILE_MIN_FREE -> b.fileMinFree(nonNegative(Durations.parseSize(v)));
            case STAN_DEBUG -> b.debug(bool(v));
            case STAN_TRACE -> b.trace(bool(v));
            case DEBUG_TRACE -> b.debug(bool(v)).trace(bool(v));
            case SECURE -> b.secure(bool(v));
            case TLS_CLIENT_CERT -> b.tlsClientCert(path(v));
            case TLS_CLIENT_KEY -> b.tlsClientKey(path(v));
            case TLS_CLIENT_CACERT -> b.tlsClientCa(path(v));
            case USER -> b.natsUser(v);
            case PASS -> b.natsPassword(v);
            case AUTH -> b.natsToken(v);
            case HTTP_PORT -> b.httpPort(nonNegativeInt(v));
            case HTTP_HOST -> b.httpHost(v);
            case HTTP_JSONP -> b.httpJsonp(bool(v));
            case HTTP_ALLOWED_HOSTS -> b.httpAllowedHosts(v);
            case STAN_CONFIG, NATS_CONFIG, HELP -> {
                // handled before
            }
            case IGNORED_BOOL, IGNORED_INT, IGNORED_SIZE, IGNORED_DURATION, IGNORED_STRING -> {
                switch (flag.type) {
                    case BOOL -> bool(v);
                    case INT -> {
                        try {
                            Long.parseLong(v.trim());
                        } catch (NumberFormatException e) {
                            throw new IllegalArgumentException("not an integer");
                        }
                    }
                    case SIZE -> Durations.parseSize(v);
                    case DURATION -> Durations.parse(v);
                    default -> {
                    }
                }
                b.warning("flag -" + name + " tunes the original's " + (name.equals("io_sleep_time") ? "IO loop"
                        : "file store") + " and has no effect on Stanchion; ignored");
            }
        }
    }

    static ServerConfig.StoreType storeType(String v) {
        try {
            return ServerConfig.StoreType.valueOf(v.trim().toUpperCase(Locale.ROOT));
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

    private static long nonNegative(long v) {
        if (v < 0) {
            throw new IllegalArgumentException("can't be negative");
        }
        return v;
    }

    private static java.time.Duration nonNegative(java.time.Duration v) {
        if (v.isNegative()) {
            throw new IllegalArgumentException("can't be negative");
        }
        return v;
    }

    private static Path path(String v) {
        if (v.isBlank()) {
            throw new IllegalArgumentException("empty path");
        }
        return Path.of(v);
    }

    /** Go's strconv.ParseBool, plus yes/no/on/off. */
    static boolean bool(String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "1", "t", "yes", "on" -> true;
            case "false", "0", "f", "no", "off" -> false;
            default -> throw new IllegalArgumentException("not a boolean");
        };
    }

    private enum Type { STRING, BOOL, INT, SIZE, DURATION }

    private enum Flag {
        CLUSTER_ID(Type.STRING, "cid", "cluster_id"),
        STORE(Type.STRING, "st", "store"),
        DIR(Type.STRING, "dir"),
        NATS_SERVER(Type.STRING, "ns", "nats_server"),
        MAX_CHANNELS(Type.INT, "mc", "max_channels"),
        MAX_SUBS(Type.INT, "msu", "max_subs"),
        MAX_MSGS(Type.INT, "mm", "max_msgs"),
        MAX_BYTES(Type.SIZE, "mb", "max_bytes"),
        MAX_AGE(Type.DURATION, "ma", "max_age"),
        MAX_INACTIVITY(Type.DURATION, "mi", "max_inactivity"),
        HB_INTERVAL(Type.DURATION, "hbi", "hb_interval"),
        HB_TIMEOUT(Type.DURATION, "hbt", "hb_timeout"),
        HB_FAIL_COUNT(Type.INT, "hbf", "hb_fail_count"),
        DISCOVER_PREFIX(Type.STRING, "discover_prefix"),
        REPLACE_DURABLE(Type.BOOL, "replace_durable"),
        IO_BATCH_SIZE(Type.INT, "io_batch_size"),
        FILE_SYNC(Type.BOOL, "file_sync"),
        FILE_TRUNCATE_BAD_EOF(Type.BOOL, "file_truncate_bad_eof"),
        FILE_ROLL_CYCLE(Type.STRING, "file_roll_cycle"),
        FILE_MIN_FREE(Type.SIZE, "file_min_free"),
        STAN_DEBUG(Type.BOOL, "SD", "stan_debug"),
        STAN_TRACE(Type.BOOL, "SV", "stan_trace"),
        DEBUG_TRACE(Type.BOOL, "SDV", "DV"),
        SECURE(Type.BOOL, "secure"),
        TLS_CLIENT_CERT(Type.STRING, "tls_client_cert"),
        TLS_CLIENT_KEY(Type.STRING, "tls_client_key"),
        TLS_CLIENT_CACERT(Type.STRING, "tls_client_cacert"),
        USER(Type.STRING, "user"),
        PASS(Type.STRING, "pass"),
        AUTH(Type.STRING, "auth"),
        HTTP_PORT(Type.INT, "m", "http_port"),
        HTTP_HOST(Type.STRING, "mh", "http_host"),
        HTTP_JSONP(Type.BOOL, "http_jsonp"),
        HTTP_ALLOWED_HOSTS(Type.STRING, "http_allowed_hosts"),
        STAN_CONFIG(Type.STRING, "sc", "stan_config"),
        NATS_CONFIG(Type.STRING, "c", "config"),
        HELP(Type.BOOL, "h", "help"),
        IGNORED_BOOL(Type.BOOL, "file_compact_enabled", "file_crc"),
        IGNORED_INT(Type.INT, "file_compact_frag", "file_compact_interval", "file_crc_poly", "file_slice_max_msgs",
                "file_fds_limit", "file_parallel_recovery", "io_sleep_time"),
        IGNORED_SIZE(Type.SIZE, "file_compact_min_size", "file_buffer_size", "file_slice_max_bytes",
                "file_read_buffer_size"),
        IGNORED_DURATION(Type.DURATION, "file_slice_max_age", "file_auto_sync"),
        IGNORED_STRING(Type.STRING, "file_slice_archive_script");

        final Type type;
        final List<String> names;

        Flag(Type type, String... names) {
            this.type = type;
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
