package io.stanchion.config;

import io.stanchion.config.ConfParser.Entry;
import io.stanchion.config.ConfParser.IntNode;
import io.stanchion.config.ConfParser.MapNode;
import io.stanchion.config.ConfParser.StringNode;
import io.stanchion.config.OptionRegistry.Section;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Reads the original server's configuration file (NATS configuration syntax, see {@link ConfParser}) onto a
 * {@link ServerConfig.Builder}. Streaming keys are read at the top level or, when present, only inside a
 * {@code streaming { }} block, with all the original's aliases; keys are case-insensitive.
 *
 * <p>The streaming keys, their blocks ({@code tls}, {@code store_limits} with its per-channel {@code channels},
 * {@code file_options}, {@code cluster}, whose presence turns clustering on), their types and what they set come from {@link OptionRegistry}; this class walks the
 * file's structure and reads the NATS server's own keys of a file shared with nats-server (its port and host give
 * the NATS URL, its {@code authorization} the credentials, its {@code http} the monitoring port).
 *
 * <p>Deliberate deviation from the original, which ignores what it does not know: an unknown key (in the streaming
 * section, in one of its blocks, or at the top level when it is neither a streaming nor a NATS server option), a
 * value of the wrong type, a negative limit, an invalid per-channel name, or a streaming key left outside a present
 * {@code streaming} block is an error naming the file, the line and the key. Options of the original that have no
 * meaning for Stanchion are either accepted with a warning (file-store and Raft tuning, syslog name) or refused
 * (fault tolerance, partitioning, SQL store, encryption), so that nothing the user asked for is silently lost.
 *
 * <p>A {@code cluster} block at the top level of a file without a streaming block is the NATS server's routing
 * (ignored) unless it holds a key of the original's streaming cluster block ({@code node_id}, {@code peers}, ...):
 * then, as in the original, it is the streaming {@code cluster} block, and NATS routing keys in it are errors.
 *
 * <p>Leniencies, all unambiguous ({@link OptionType}): a size may also be a string ({@code "1GB"}); a duration may
 * be the integer {@code 0} or an unquoted number with a size-like suffix that is a valid duration ({@code 10m},
 * which NATS syntax reads as 10,000,000); a duration string without unit ({@code "30"}) is seconds.
 */
public final class ConfigFile {

    private static final Set<String> NATS_SERVER_KEYS = Set.of(
            "listen", "client_advertise", "port", "server_name", "host", "net", "debug", "trace", "trace_verbose",
            "trace_headers", "logtime", "logtime_utc", "mappings", "maps", "disable_sublist_cache",
            "no_sublist_cache", "accounts", "default_sentinel", "authorization", "http", "https", "http_port",
            "monitor_port", "https_port", "http_base_path", "cluster", "gateway", "leaf", "leafnodes", "store_dir",
            "storedir", "jetstream", "logfile", "log_file", "logfile_size_limit", "log_size_limit",
            "logfile_max_num", "log_max_num", "syslog", "remote_syslog", "pidfile", "pid_file", "ports_file_dir",
            "prof_port", "prof_block_rate", "max_control_line", "max_payload", "max_pending", "proxy_protocol",
            "max_connections", "max_conn", "max_traced_msg_len", "max_subscriptions", "max_subs", "max_sub_tokens",
            "max_subscription_tokens", "ping_interval", "ping_max", "tls", "ocsp", "allow_non_tls",
            "write_deadline", "write_timeout", "lame_duck_duration", "lame_duck_grace_period", "operator",
            "operators", "roots", "root", "root_operators", "root_operator", "resolver", "account_resolver",
            "accounts_resolver", "resolver_tls", "resolver_preload", "resolver_pinned_accounts", "no_auth_user",
            "system_account", "system", "no_system_account", "no_system", "no_sys_acc", "no_header_support",
            "trusted", "trusted_keys", "connect_error_reports", "reconnect_error_reports", "websocket", "ws", "mqtt",
            "server_tags", "server_metadata", "feature_flags", "default_js_domain", "ocsp_cache",
            "no_fast_producer_stall", "max_closed_clients", "proxies");

    /** Keys of a NATS server's {@code tls} block, tolerated in a top-level {@code tls} shared with nats-server. */
    private static final Set<String> NATS_TLS_KEYS = Set.of(
            "cert_file", "key_file", "ca_file", "verify", "verify_and_map", "verify_cert_and_check_known_urls",
            "timeout", "cipher_suites", "curve_preferences", "pinned_certs", "handshake_first", "first",
            "min_version", "ocsp_peer", "cert_store", "cert_match", "cert_match_by", "cert_match_skip_invalid",
            "ca_certs_match", "connection_rate_limit");

    /**
     * Keys that make a top-level {@code cluster} block the streaming one: those of its section, but {@code listen},
     * which NATS routing has too.
     */
    private static final Set<String> STREAMING_CLUSTER_KEYS = Set.copyOf(OptionRegistry.keys(Section.CLUSTER).stream()
            .filter(k -> !k.equals("listen")).toList());

    /** The keys of the streaming section, from the option table. */
    private static final List<String> STREAMING_KEYS = OptionRegistry.keys(Section.STREAMING);

    private ConfigFile() {
    }

    /** Loads {@code file} for streaming (and its NATS-side keys: monitoring port, NATS host/port, authorization). */
    public static void load(Path file, ServerConfig.Builder b) {
        load(file, b, false);
    }

    /**
     * Loads {@code file} onto {@code b}. With {@code natsOnly} (a {@code -c} NATS file when a {@code -sc} streaming
     * file is also given) only the NATS server keys are applied; streaming keys are ignored. Errors are
     * IllegalArgumentExceptions with one line: {@code config file <file> line <n>: <what>}.
     */
    public static void load(Path file, ServerConfig.Builder b, boolean natsOnly) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("config file " + file + ": can't be read: " + reason(e));
        }
        apply(text, file.toString(), b, natsOnly, System::getenv);
        b.configFile(file);
    }

    /** Applies configuration {@code text} (named {@code name} in messages) onto {@code b}. */
    public static void apply(String text, String name, ServerConfig.Builder b) {
        apply(text, name, b, false, System::getenv);
    }

    static void apply(String text, String name, ServerConfig.Builder b, boolean natsOnly,
                      Function<String, String> env) {
        ConfParser.Document doc;
        try {
            doc = ConfParser.parse(text, env);
        } catch (ConfParser.ParseException e) {
            throw new IllegalArgumentException("config file " + name + " line " + e.line + ": " + e.getMessage());
        }
        new Applier(name, b, natsOnly, doc.variablesUsed()).apply(doc.root());
    }

    /** One application of one file. */
    private static final class Applier {
        private final String file;
        private final ServerConfig.Builder b;
        private final boolean natsOnly;
        private final Set<String> variables;
        private boolean natsUrlSet;
        private boolean streamingAuthSet;
        private String natsHost;
        private Long natsPort;
        private String authUser;
        private String authPassword;
        private String authToken;

        Applier(String file, ServerConfig.Builder b, boolean natsOnly, Set<String> variables) {
            this.file = file;
            this.b = b;
            this.natsOnly = natsOnly;
            this.variables = variables;
        }

        void apply(MapNode root) {
            Entry streaming = root.find("streaming");
            if (streaming != null && !(streaming.value() instanceof MapNode)) {
                throw fail(streaming.line(), "the streaming section is expected to be a map, got "
                        + streaming.value().kind());
            }
            for (Entry e : root.entries()) {
                String k = lower(e.key());
                if (k.equals("streaming")) {
                    continue;
                }
                boolean nats = NATS_SERVER_KEYS.contains(k);
                boolean stan = STREAMING_KEYS.contains(k);
                if (variables.contains(e.key()) && !nats && (!stan || streaming != null)) {
                    // A key defined to be used as a $variable (e.g. PASS: "x" ... password: $PASS).
                    continue;
                }
                if ((k.equals("tls") || k.equals("cluster")) && streaming == null && !natsOnly) {
                    // tls or cluster at the top level of a file without a streaming block: the original reads
                    // them for streaming, and the NATS server reads them too.
                    if (k.equals("tls")) {
                        block(Section.TLS, e, true);
                    } else {
                        topLevelCluster(e);
                    }
                } else if (nats) {
                    nats(e);
                } else if (stan) {
                    if (natsOnly) {
                        continue;
                    }
                    if (streaming != null) {
                        throw fail(e.line(), "\"" + e.key() + "\" is a streaming option outside the streaming "
                                + "block; with a streaming block present it would be ignored: move it into "
                                + "streaming { }");
                    }
                    entry(Section.STREAMING, e, "top level");
                } else {
                    throw fail(e.line(), "unknown key \"" + e.key() + "\" (neither a streaming nor a NATS server "
                            + "option)" + suggestion(k, STREAMING_KEYS));
                }
            }
            if (streaming != null && !natsOnly) {
                for (Entry e : ((MapNode) streaming.value()).entries()) {
                    if (!STREAMING_KEYS.contains(lower(e.key())) && variables.contains(e.key())) {
                        continue;
                    }
                    entry(Section.STREAMING, e, "streaming");
                }
            }
            if (!natsUrlSet && (natsHost != null || natsPort != null)) {
                String host = natsHost == null ? "127.0.0.1" : natsHost;
                host = switch (host) {
                    case "", "0.0.0.0" -> "127.0.0.1";
                    case "::", "[::]" -> "[::1]";
                    default -> host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
                };
                b.natsUrl("nats://" + host + ":" + (natsPort == null ? 4222 : natsPort));
            }
            if (!streamingAuthSet) {
                if (authToken != null) {
                    b.natsToken(authToken);
                } else if (authUser != null) {
                    b.natsUser(authUser).natsPassword(authPassword);
                }
            }
        }

        // ---- streaming keys, from the option table

        /** One entry of {@code section} ({@code where}: how messages name it): a block, or an option. */
        private void entry(Section section, Entry e, String where) {
            String k = lower(e.key());
            Section block = OptionRegistry.block(section, k);
            if (block == Section.CHANNELS) {
                channels(e);
            } else if (block != null) {
                if (block.opened != null) {
                    block.opened.accept(b);
                }
                block(block, e, false);
            } else {
                OptionRegistry.Option<?> o = OptionRegistry.byKey(section, k);
                if (o == null) {
                    throw fail(e.line(), "unknown key \"" + e.key() + "\" in " + where
                            + suggestion(k, OptionRegistry.keys(section)));
                }
                String warning = at(e, () -> o.applyKey(b, e));
                if (warning != null) {
                    warn(e, warning);
                }
                natsUrlSet |= o == OptionRegistry.NATS_SERVER;
                streamingAuthSet |= o == OptionRegistry.USER || o == OptionRegistry.PASS || o == OptionRegistry.AUTH;
            }
        }

        /** A block's entries; a top-level {@code tls} shared with nats-server may also hold the NATS server's keys. */
        private void block(Section section, Entry e, boolean sharedWithNats) {
            for (Entry x : at(e, () -> OptionType.map(e)).entries()) {
                if (!(sharedWithNats && NATS_TLS_KEYS.contains(lower(x.key())))) {
                    entry(section, x, e.key());
                }
            }
        }

        /** Per-channel limits: channel names (or wildcards) and the limits each sets. */
        private void channels(Entry e) {
            MapNode m = at(e, () -> OptionType.map(e));
            StoreLimits.Builder l = b.limits();
            l.origin("config file " + file + " line " + e.line());
            for (Entry c : m.entries()) {
                String name = c.key();
                String reason = StoreLimits.invalidNameReason(name);
                if (reason != null) {
                    throw fail(c.line(), "invalid channel name \"" + name + "\" in " + e.key() + ": " + reason);
                }
                if (!(c.value() instanceof MapNode limits)) {
                    throw fail(c.line(), "limits of channel \"" + name + "\" are expected to be a map, got "
                            + c.value().kind());
                }
                StoreLimits.Overrides o = StoreLimits.Overrides.NONE;
                for (Entry x : limits.entries()) {
                    String k = lower(x.key());
                    OptionRegistry.Option<?> option = OptionRegistry.byKey(Section.STORE_LIMITS, k);
                    if (option == null || !option.perChannel()) {
                        throw fail(x.line(), "unknown key \"" + x.key() + "\" in limits of channel \"" + name + "\""
                                + suggestion(k, OptionRegistry.channelKeys()));
                    }
                    StoreLimits.Overrides before = o;
                    o = at(x, () -> option.applyChannel(before, x));
                }
                l.channel(name, o);
            }
        }

        /** A top-level {@code cluster} without a streaming block: NATS routing, unless it has Raft keys. */
        private void topLevelCluster(Entry e) {
            if (e.value() instanceof MapNode m
                    && m.entries().stream().anyMatch(c -> STREAMING_CLUSTER_KEYS.contains(lower(c.key())))) {
                entry(Section.STREAMING, e, "top level");
            }
        }

        // ---- NATS server keys (a file shared with nats-server)

        private void nats(Entry e) {
            String k = lower(e.key());
            OptionRegistry.Option<?> shared = OptionRegistry.byKey(Section.STREAMING, k);
            if (shared != null && shared.natsServerKey()) {
                entry(Section.STREAMING, e, "top level");
                return;
            }
            at(e, () -> {
                switch (k) {
                    case "https", "https_port" -> warn(e, "\"" + e.key() + "\": Stanchion's monitoring is HTTP only; "
                            + "ignored");
                    case "port" -> natsPort = (long) OptionType.port(e, OptionType.integer(e));
                    case "host", "net" -> natsHost = OptionType.string(e);
                    case "listen" -> listen(e);
                    case "authorization" -> authorization(e);
                    default -> {
                        // Another NATS server option: the NATS server's business, not ours.
                    }
                }
                return null;
            });
        }

        private void listen(Entry e) {
            if (e.value() instanceof IntNode i) {
                natsPort = (long) OptionType.port(e, i.value());
                return;
            }
            String hp = OptionType.string(e).trim();
            int colon = hp.lastIndexOf(':');
            try {
                if (colon < 0) {
                    throw new NumberFormatException();
                }
                natsPort = (long) OptionType.port(e, Long.parseLong(hp.substring(colon + 1)));
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException("parameter \"listen\" is expected to be host:port or a port");
            }
            natsHost = hp.substring(0, colon);
        }

        private void authorization(Entry e) {
            if (e.value() instanceof MapNode m) {
                for (Entry a : m.entries()) {
                    String v = a.value() instanceof StringNode s ? s.value() : null;
                    switch (lower(a.key())) {
                        case "user", "username" -> authUser = v;
                        case "password", "pass" -> authPassword = v;
                        case "token" -> authToken = v;
                        default -> {
                        }
                    }
                }
            }
        }

        // ---- errors and warnings

        /** {@code read}, its error located at {@code e}'s line. */
        private <T> T at(Entry e, Supplier<T> read) {
            try {
                return read.get();
            } catch (IllegalArgumentException ex) {
                throw fail(e.line(), ex.getMessage());
            }
        }

        private IllegalArgumentException fail(int line, String message) {
            return new IllegalArgumentException("config file " + file + " line " + line + ": " + message);
        }

        private void warn(Entry e, String message) {
            b.warning("config file " + file + " line " + e.line() + ": " + message);
        }
    }

    /** An I/O failure in words, without Java class names: "no such file", "permission denied", ... */
    static String reason(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.charset.CharacterCodingException) {
            return "not UTF-8 text";
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? "I/O error" : m;
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    /** " (did you mean "x"?)" for the closest known key within two edits, else "". */
    static String suggestion(String key, List<String> known) {
        String best = null;
        int bestDistance = 3;
        for (String k : known) {
            int d = distance(key, k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return best == null ? "" : " (did you mean \"" + best + "\"?)";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
