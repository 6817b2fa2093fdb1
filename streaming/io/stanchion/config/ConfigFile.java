package io.stanchion.config;

import io.stanchion.config.ConfParser.BoolNode;
import io.stanchion.config.ConfParser.Entry;
import io.stanchion.config.ConfParser.IntNode;
import io.stanchion.config.ConfParser.ListNode;
import io.stanchion.config.ConfParser.MapNode;
import io.stanchion.config.ConfParser.Node;
import io.stanchion.config.ConfParser.StringNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads the original server's configuration file (NATS configuration syntax, see {@link ConfParser}) onto a
 * {@link ServerConfig.Builder}. Streaming keys are read at the top level or, when present, only inside a
 * {@code streaming { }} block, with all the original's aliases; keys are case-insensitive.
 *
 * <p>Deliberate deviation from the original, which ignores what it does not know: an unknown key (in the streaming
 * section, in one of its blocks, or at the top level when it is neither a streaming nor a NATS server option), a
 * value of the wrong type, a negative limit, an invalid per-channel name, or a streaming key left outside a present
 * {@code streaming} block is an error naming the file, the line and the key. Options of the original that have no
 * meaning for Stanchion are either accepted with a warning (file-store tuning, syslog name) or refused (fault
 * tolerance, clustering, partitioning, SQL store, encryption), so that nothing the user asked for is silently lost.
 *
 * <p>Leniencies, all unambiguous: a size may also be a string ({@code "1GB"}); a duration may be the integer
 * {@code 0} or an unquoted number with a size-like suffix that is a valid duration ({@code 10m}, which NATS syntax
 * reads as 10,000,000); a duration string without unit ({@code "30"}) is seconds.
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

    /** Keys of the original's streaming {@code cluster} block (Raft clustering). */
    private static final Set<String> STREAMING_CLUSTER_KEYS = Set.of(
            "node_id", "bootstrap", "peers", "log_path", "log_cache_size", "log_snapshots", "trailing_logs", "sync",
            "proceed_on_restore_failure", "allow_add_remove_node", "raft_logging", "raft_heartbeat_timeout",
            "raft_election_timeout", "raft_lease_timeout", "raft_commit_timeout", "bolt_free_list_sync",
            "bolt_free_list_map", "nodes_connections");

    private static final List<String> STREAMING_KEYS = List.of(
            "id", "cid", "cluster_id", "discover_prefix", "st", "store", "store_type", "storetype", "dir",
            "datastore", "sd", "stan_debug", "sv", "stan_trace", "ns", "nats_server", "nats_server_url",
            "credentials", "nkey_seed_file", "secure", "tls", "limits", "store_limits", "storelimits", "file",
            "file_options", "hbi", "hb_interval", "server_to_client_hb_interval", "hbt", "hb_timeout",
            "server_to_client_hb_timeout", "hbf", "hb_fail_count", "server_to_client_hb_fail_count", "username",
            "user", "password", "pass", "token", "replace_durable", "replace_durables", "replace_duplicate_durable",
            "replace_duplicate_durables", "io_batch_size", "http", "http_port", "monitor_port", "http_host",
            "http_jsonp", "http_allowed_hosts",
            "syslog_name", "ft_group", "ft_group_name", "partitioning", "cluster", "sql", "sql_options", "encrypt",
            "encryption_cipher", "encryption_key");

    private static final List<String> LIMITS_KEYS = List.of(
            "mc", "max_channels", "maxchannels", "channels", "channels_limits", "channelslimits", "per_channel",
            "per_channel_limits");

    private static final List<String> CHANNEL_LIMITS_KEYS = List.of(
            "msu", "max_subs", "max_subscriptions", "maxsubscriptions", "mm", "max_msgs", "maxmsgs", "max_count",
            "maxcount", "mb", "max_bytes", "maxbytes", "ma", "max_age", "maxage", "mi", "max_inactivity",
            "maxinactivity");

    private static final List<String> TLS_KEYS = List.of(
            "client_cert", "client_key", "client_ca", "client_cacert", "server_name", "server_hostname",
            "skip_verify", "insecure");

    private static final List<String> FILE_KEYS = List.of(
            "sync", "do_sync", "sync_on_flush", "truncate_bad_eof", "roll_cycle", "min_free", "compact", "compact_enabled", "compact_frag",
            "compact_fragmentation", "compact_interval", "compact_min_size", "buffer_size", "crc", "do_crc",
            "crc_poly", "slice_max_msgs", "slice_max_count", "slice_msgs", "slice_count", "slice_max_bytes",
            "slice_max_size", "slice_bytes", "slice_size", "slice_max_age", "slice_age", "slice_max_time",
            "slice_time_limit", "slice_archive_script", "slice_archive", "slice_script", "file_descriptors_limit",
            "fds_limit", "parallel_recovery", "file_read_buffer_size", "read_buffer_size", "file_auto_sync",
            "auto_sync");

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
                        tls(e, true);
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
                    streaming(e, "top level");
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
                    streaming(e, "streaming");
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

        // ---- streaming keys

        private void streaming(Entry e, String section) {
            String k = lower(e.key());
            switch (k) {
                case "id", "cid", "cluster_id" -> b.clusterId(string(e));
                case "discover_prefix" -> b.discoverPrefix(string(e));
                case "st", "store", "store_type", "storetype" -> {
                    String v = string(e);
                    try {
                        b.storeType(Flags.storeType(v));
                    } catch (IllegalArgumentException ex) {
                        throw fail(e.line(), "parameter \"" + e.key() + "\": " + ex.getMessage());
                    }
                }
                case "dir", "datastore" -> b.dir(path(e));
                case "sd", "stan_debug" -> b.debug(bool(e));
                case "sv", "stan_trace" -> b.trace(bool(e));
                case "ns", "nats_server", "nats_server_url" -> {
                    List<String> urls = Arrays.stream(string(e).split(",")).map(String::trim)
                            .filter(s -> !s.isEmpty()).toList();
                    if (urls.isEmpty()) {
                        throw fail(e.line(), "parameter \"" + e.key() + "\" is empty");
                    }
                    b.natsUrls(urls);
                    natsUrlSet = true;
                }
                case "credentials" -> b.natsCredentials(path(e));
                case "nkey_seed_file" -> b.nkeySeedFile(path(e));
                case "secure" -> b.secure(bool(e));
                case "tls" -> tls(e, false);
                case "limits", "store_limits", "storelimits" -> limits(e);
                case "file", "file_options" -> fileOptions(e);
                case "hbi", "hb_interval", "server_to_client_hb_interval" -> b.hbInterval(duration(e));
                case "hbt", "hb_timeout", "server_to_client_hb_timeout" -> b.hbTimeout(duration(e));
                case "hbf", "hb_fail_count", "server_to_client_hb_fail_count" -> b.hbFailCount(nonNegativeInt(e));
                case "username", "user" -> {
                    b.natsUser(string(e));
                    streamingAuthSet = true;
                }
                case "password", "pass" -> {
                    b.natsPassword(string(e));
                    streamingAuthSet = true;
                }
                case "token" -> {
                    b.natsToken(string(e));
                    streamingAuthSet = true;
                }
                case "replace_durable", "replace_durables", "replace_duplicate_durable",
                     "replace_duplicate_durables" -> b.replaceDurable(bool(e));
                case "io_batch_size" -> {
                    int v = nonNegativeInt(e);
                    if (v < 1) {
                        throw fail(e.line(), "parameter \"" + e.key() + "\" must be at least 1");
                    }
                    b.ioBatchSize(v);
                }
                case "http", "http_port", "monitor_port" -> nats(e);
                case "http_host" -> b.httpHost(string(e));
                case "http_jsonp" -> b.httpJsonp(bool(e));
                case "http_allowed_hosts" -> b.httpAllowedHosts(hosts(e));
                case "syslog_name" -> {
                    string(e);
                    warn(e, "\"" + e.key() + "\" (Windows event log source) does not apply to Stanchion; ignored");
                }
                case "ft_group", "ft_group_name" -> unsupported(e, "fault tolerance (FT groups)");
                case "partitioning" -> unsupported(e, "partitioning");
                case "cluster" -> unsupported(e, "clustering");
                case "sql", "sql_options" -> unsupported(e, "the SQL store");
                case "encrypt", "encryption_cipher", "encryption_key" -> unsupported(e, "encryption at rest");
                default -> throw fail(e.line(), "unknown key \"" + e.key() + "\" in " + section
                        + suggestion(k, STREAMING_KEYS));
            }
        }

        private void unsupported(Entry e, String what) {
            throw fail(e.line(), "\"" + e.key() + "\": " + what + " is not supported by Stanchion");
        }

        /** A top-level {@code cluster} without a streaming block: NATS routing, unless it has Raft keys. */
        private void topLevelCluster(Entry e) {
            if (e.value() instanceof MapNode m) {
                for (Entry c : m.entries()) {
                    if (STREAMING_CLUSTER_KEYS.contains(lower(c.key()))) {
                        throw fail(c.line(), "\"cluster\" with \"" + c.key() + "\": streaming clustering is not "
                                + "supported by Stanchion");
                    }
                }
            }
        }

        private void tls(Entry e, boolean sharedWithNats) {
            MapNode m = map(e);
            for (Entry t : m.entries()) {
                String k = lower(t.key());
                switch (k) {
                    case "client_cert" -> b.tlsClientCert(path(t));
                    case "client_key" -> b.tlsClientKey(path(t));
                    case "client_ca", "client_cacert" -> b.tlsClientCa(path(t));
                    case "server_name", "server_hostname" -> b.tlsServerName(string(t));
                    case "skip_verify", "insecure" -> b.tlsSkipVerify(bool(t));
                    default -> {
                        if (!(sharedWithNats && NATS_TLS_KEYS.contains(k))) {
                            throw fail(t.line(), "unknown key \"" + t.key() + "\" in " + e.key()
                                    + suggestion(k, TLS_KEYS));
                        }
                    }
                }
            }
        }

        private void limits(Entry e) {
            MapNode m = map(e);
            StoreLimits.Builder l = b.limits();
            for (Entry x : m.entries()) {
                String k = lower(x.key());
                switch (k) {
                    case "mc", "max_channels", "maxchannels" -> l.maxChannels(nonNegativeInt(x));
                    case "channels", "channels_limits", "channelslimits", "per_channel", "per_channel_limits" ->
                            channels(x);
                    case "msu", "max_subs", "max_subscriptions", "maxsubscriptions" -> l.maxSubs(nonNegativeInt(x));
                    case "mm", "max_msgs", "maxmsgs", "max_count", "maxcount" -> l.maxMsgs(nonNegativeLong(x));
                    case "mb", "max_bytes", "maxbytes" -> l.maxBytes(size(x));
                    case "ma", "max_age", "maxage" -> l.maxAge(nonNegative(x, duration(x)));
                    case "mi", "max_inactivity", "maxinactivity" -> l.maxInactivity(nonNegative(x, duration(x)));
                    default -> throw fail(x.line(), "unknown key \"" + x.key() + "\" in " + e.key()
                            + suggestion(k, concat(LIMITS_KEYS, CHANNEL_LIMITS_KEYS)));
                }
            }
        }

        private void channels(Entry e) {
            MapNode m = map(e);
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
                    switch (k) {
                        case "msu", "max_subs", "max_subscriptions", "maxsubscriptions" ->
                                o = o.withMaxSubs(nonNegativeInt(x));
                        case "mm", "max_msgs", "maxmsgs", "max_count", "maxcount" ->
                                o = o.withMaxMsgs(nonNegativeLong(x));
                        case "mb", "max_bytes", "maxbytes" -> o = o.withMaxBytes(size(x));
                        case "ma", "max_age", "maxage" -> o = o.withMaxAge(nonNegative(x, duration(x)));
                        case "mi", "max_inactivity", "maxinactivity" ->
                                o = o.withMaxInactivity(nonNegative(x, duration(x)));
                        default -> throw fail(x.line(), "unknown key \"" + x.key() + "\" in limits of channel \""
                                + name + "\"" + suggestion(k, CHANNEL_LIMITS_KEYS));
                    }
                }
                l.channel(name, o);
            }
        }

        private void fileOptions(Entry e) {
            MapNode m = map(e);
            for (Entry x : m.entries()) {
                String k = lower(x.key());
                switch (k) {
                    case "sync", "do_sync", "sync_on_flush" -> b.fileSync(bool(x));
                    case "truncate_bad_eof" -> b.fileTruncateBadEof(bool(x));
                    case "roll_cycle" -> b.fileRollCycle(string(x));
                    case "min_free" -> b.fileMinFree(size(x));
                    case "compact", "compact_enabled", "crc", "do_crc" -> ignoredFileOption(x, bool(x));
                    case "compact_frag", "compact_fragmentation", "compact_interval", "crc_poly", "slice_max_msgs",
                         "slice_max_count", "slice_msgs", "slice_count", "file_descriptors_limit", "fds_limit",
                         "parallel_recovery" -> ignoredFileOption(x, integer(x));
                    case "compact_min_size", "buffer_size", "slice_max_bytes", "slice_max_size", "slice_bytes",
                         "slice_size", "file_read_buffer_size", "read_buffer_size" -> ignoredFileOption(x, size(x));
                    case "slice_max_age", "slice_age", "slice_max_time", "slice_time_limit", "file_auto_sync",
                         "auto_sync" -> ignoredFileOption(x, duration(x));
                    case "slice_archive_script", "slice_archive", "slice_script" -> ignoredFileOption(x, string(x));
                    default -> throw fail(x.line(), "unknown key \"" + x.key() + "\" in " + e.key()
                            + suggestion(k, FILE_KEYS));
                }
            }
        }

        private void ignoredFileOption(Entry x, Object checkedValue) {
            warn(x, "file store option \"" + x.key() + "\" does not apply to Stanchion's Chronicle Queue store; "
                    + "ignored");
        }

        // ---- NATS server keys (a file shared with nats-server)

        private void nats(Entry e) {
            String k = lower(e.key());
            switch (k) {
                case "http" -> {
                    Node v = e.value();
                    if (v instanceof IntNode i) {
                        b.httpPort(port(e, i.value()));
                    } else if (v instanceof StringNode s) {
                        String hp = s.value().trim();
                        int colon = hp.lastIndexOf(':');
                        String portText = colon < 0 ? hp : hp.substring(colon + 1);
                        long p;
                        try {
                            p = Long.parseLong(portText);
                        } catch (NumberFormatException ex) {
                            throw fail(e.line(), "parameter \"" + e.key() + "\" value " + quote(s.value())
                                    + " is expected to be host:port or a port");
                        }
                        b.httpPort(port(e, p));
                        if (colon > 0) {
                            String host = hp.substring(0, colon);
                            if (host.startsWith("[") && host.endsWith("]")) {
                                host = host.substring(1, host.length() - 1);
                            }
                            b.httpHost(host);
                        }
                    } else {
                        throw fail(e.line(), "parameter \"" + e.key() + "\" value is expected to be host:port or "
                                + "a port, got " + v.kind());
                    }
                }
                case "http_port", "monitor_port" -> b.httpPort(port(e, integer(e)));
                case "https", "https_port" -> warn(e, "\"" + e.key() + "\": Stanchion's monitoring is HTTP only; "
                        + "ignored");
                case "port" -> natsPort = (long) port(e, integer(e));
                case "host", "net" -> natsHost = string(e);
                case "listen" -> {
                    Node v = e.value();
                    if (v instanceof IntNode i) {
                        natsPort = (long) port(e, i.value());
                    } else {
                        String hp = string(e).trim();
                        int colon = hp.lastIndexOf(':');
                        if (colon < 0) {
                            throw fail(e.line(), "parameter \"listen\" is expected to be host:port or a port");
                        }
                        try {
                            natsPort = (long) port(e, Long.parseLong(hp.substring(colon + 1)));
                        } catch (NumberFormatException ex) {
                            throw fail(e.line(), "parameter \"listen\" is expected to be host:port or a port");
                        }
                        natsHost = hp.substring(0, colon);
                    }
                }
                case "authorization" -> {
                    if (e.value() instanceof MapNode m) {
                        for (Entry a : m.entries()) {
                            switch (lower(a.key())) {
                                case "user", "username" -> authUser = a.value() instanceof StringNode s ? s.value()
                                        : null;
                                case "password", "pass" -> authPassword = a.value() instanceof StringNode s
                                        ? s.value() : null;
                                case "token" -> authToken = a.value() instanceof StringNode s ? s.value() : null;
                                default -> {
                                }
                            }
                        }
                    }
                }
                default -> {
                    // Another NATS server option: the NATS server's business, not ours.
                }
            }
        }

        // ---- typed values

        private String string(Entry e) {
            if (e.value() instanceof StringNode s) {
                return s.value();
            }
            throw expected(e, "a string");
        }

        /** A comma-separated string or a list of strings, as one comma-separated string. */
        private String hosts(Entry e) {
            if (e.value() instanceof ListNode l) {
                List<String> all = new ArrayList<>();
                for (Node n : l.items()) {
                    if (!(n instanceof StringNode s)) {
                        throw expected(e, "a string or a list of strings");
                    }
                    all.add(s.value());
                }
                return String.join(",", all);
            }
            return string(e);
        }

        private Path path(Entry e) {
            String s = string(e);
            if (s.isBlank()) {
                throw fail(e.line(), "parameter \"" + e.key() + "\" is empty");
            }
            return Path.of(s);
        }

        private boolean bool(Entry e) {
            if (e.value() instanceof BoolNode v) {
                return v.value();
            }
            throw expected(e, "a boolean");
        }

        private long integer(Entry e) {
            if (e.value() instanceof IntNode v) {
                return v.value();
            }
            throw expected(e, "an integer");
        }

        private long nonNegativeLong(Entry e) {
            long v = integer(e);
            if (v < 0) {
                throw negative(e, Long.toString(v));
            }
            return v;
        }

        private int nonNegativeInt(Entry e) {
            long v = nonNegativeLong(e);
            if (v > Integer.MAX_VALUE) {
                throw fail(e.line(), "parameter \"" + e.key() + "\" value " + v + " is too large");
            }
            return (int) v;
        }

        private int port(Entry e, long v) {
            if (v < 0 || v > 65535) {
                throw fail(e.line(), "parameter \"" + e.key() + "\" value " + v + " is not a port (0-65535)");
            }
            return (int) v;
        }

        private long size(Entry e) {
            long v;
            if (e.value() instanceof IntNode i) {
                v = i.value();
            } else if (e.value() instanceof StringNode s) {
                try {
                    v = Durations.parseSize(s.value());
                } catch (IllegalArgumentException ex) {
                    throw fail(e.line(), "parameter \"" + e.key() + "\" value " + quote(s.value())
                            + " is not a size (like 1024, 10MB, 1GB)");
                }
            } else {
                throw expected(e, "a size");
            }
            if (v < 0) {
                throw negative(e, Long.toString(v));
            }
            return v;
        }

        private Duration duration(Entry e) {
            Node n = e.value();
            if (n instanceof StringNode s) {
                try {
                    return Durations.parse(s.value());
                } catch (IllegalArgumentException ex) {
                    throw fail(e.line(), "parameter \"" + e.key() + "\" value " + quote(s.value())
                            + " is not a duration (like \"30s\", \"1h30m\", \"500ms\")");
                }
            }
            if (n instanceof IntNode i) {
                if (i.value() == 0 && i.raw().matches("-?0+")) {
                    return Duration.ZERO;
                }
                if (!i.raw().matches("-?\\d+")) {
                    try {
                        return Durations.parse(i.raw());
                    } catch (IllegalArgumentException ignored) {
                        // falls through to the type error
                    }
                }
            }
            throw expected(e, "a duration");
        }

        private Duration nonNegative(Entry e, Duration d) {
            if (d.isNegative()) {
                throw negative(e, Durations.format(d));
            }
            return d;
        }

        // ---- errors and warnings

        private IllegalArgumentException expected(Entry e, String what) {
            Node v = e.value();
            String got = v.kind();
            if (v instanceof StringNode s) {
                got += " " + quote(s.value());
            } else if (v instanceof IntNode i) {
                got += " " + i.raw();
            } else if (v instanceof BoolNode bo) {
                got += " " + bo.value();
            } else if (v instanceof ListNode) {
                got = "an array";
            } else if (v instanceof MapNode) {
                got = "a map";
            }
            return fail(e.line(), "parameter \"" + e.key() + "\" value is expected to be " + what + ", got " + got);
        }

        private IllegalArgumentException negative(Entry e, String value) {
            return fail(e.line(), "parameter \"" + e.key() + "\" can't be negative (" + value + ")");
        }

        private MapNode map(Entry e) {
            if (e.value() instanceof MapNode m) {
                return m;
            }
            throw expected(e, "a map");
        }

        private IllegalArgumentException fail(int line, String message) {
            return new IllegalArgumentException("config file " + file + " line " + line + ": " + message);
        }

        private void warn(Entry e, String message) {
            b.warning("config file " + file + " line " + e.line() + ": " + message);
        }
    }

    /** A value for a one-line message: quoted, control characters escaped, long values shortened. */
    static String quote(String v) {
        String q = v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "\\r")
                .replace("\t", "\\t");
        if (q.length() > 60) {
            q = q.substring(0, 57) + "...";
        }
        return "\"" + q + "\"";
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

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
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
