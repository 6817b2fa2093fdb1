package io.stanchion.config;

import io.stanchion.config.ConfParser.Entry;
import io.stanchion.config.StoreLimits.Overrides;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * Every option of the server, declared once: its command-line flags (the original's spellings), its
 * configuration-file keys (all the original's aliases) and the section they are read in, its {@link OptionType},
 * its default, its usage text, and how it is applied to {@link ServerConfig.Builder}. {@link Flags} parses the
 * command line, {@link ConfigFile} reads the configuration file, {@link ServerConfig.Builder} takes its defaults and
 * {@link #usage()} writes the usage text from this table alone: adding an option is adding one entry.
 *
 * <p>Besides the options Stanchion applies, the table holds the original's options it accepts and ignores with a
 * warning (file-store and Raft tuning, the Windows event-log name) and those it refuses (fault tolerance,
 * SQL store, encryption), so that nothing the user asks for is silently lost.
 */
final class OptionRegistry {

    /** Where an option's configuration-file keys are read; a section other than STREAMING is a block in it. */
    enum Section {
        /** The top level, or the {@code streaming { }} block when present. */
        STREAMING(null),
        TLS(STREAMING, "tls"),
        STORE_LIMITS(STREAMING, "limits", "store_limits", "storelimits"),
        /** Per-channel limits: a map of channel names (or wildcards) to the per-channel options of STORE_LIMITS. */
        CHANNELS(STORE_LIMITS, "channels", "channels_limits", "channelslimits", "per_channel", "per_channel_limits"),
        FILE_OPTIONS(STREAMING, "file", "file_options"),
        /** Raft clustering: its presence turns clustering on, as {@code -clustered}. */
        CLUSTER(STREAMING, b -> b.clustered(true), "cluster");

        final Section parent;
        /** The keys that open this block in its parent. */
        final List<String> keys;
        /** What the block's presence sets (before its entries are read), or null. */
        final Consumer<ServerConfig.Builder> opened;

        Section(Section parent, String... keys) {
            this(parent, null, keys);
        }

        Section(Section parent, Consumer<ServerConfig.Builder> opened, String... keys) {
            this.parent = parent;
            this.opened = opened;
            this.keys = List.of(keys);
        }
    }

    /** The groups of the usage text, in order. */
    enum UsageGroup {
        STREAMING("Streaming Server Options:", null),
        CLUSTERING("Streaming Server Clustering Options:", "(configuration file: a cluster { } block turns clustering "
                + "on; its keys: node_id, peers, bootstrap,\nlog_path, sync, raft_logging, listen, "
                + "raft_election_timeout)"),
        FILE_STORE("Streaming Server File Store Options:", null),
        TLS("Streaming Server TLS Options (connection to NATS):", null),
        LOGGING("Streaming Server Logging Options:", null),
        AUTH("NATS Connection Authorization Options:", "(credentials files and NKey seeds: \"credentials\" and "
                + "\"nkey_seed_file\" in the configuration file)"),
        MONITORING("Monitoring Options:", null),
        CONFIG_FILES("Configuration Files:", "Command-line flags override the configuration file."),
        COMMON("Common Options:", null);

        final String heading;
        /** Lines after the group's flags, or null. */
        final String note;

        UsageGroup(String heading, String note) {
            this.heading = heading;
            this.note = note;
        }
    }

    /**
     * One option. Made by the table below (the setters are private to it) and not changed after. An option either
     * is applied to the builder, or is ignored with a warning, or is refused, or (help, configuration files) is
     * acted upon by {@link Flags} itself.
     */
    static final class Option<T> {
        final String name;
        final OptionType<T> type;
        private final BiConsumer<ServerConfig.Builder, T> apply;
        /** Flags as the original spells them, with their dashes (either spelling is accepted). */
        private List<String> flags = List.of();
        private Section section;
        /** All the original's aliases, lower case (keys are case-insensitive). */
        private List<String> keys = List.of();
        private String defaultText;
        private T defaultValue;
        /** Usage text; a new line starts a continuation line, {@code {default}} stands for the default. */
        private String help;
        private List<UsageGroup> groups = List.of();
        /** What follows the flags in the usage; null: the type's {@code <name>}. */
        private String usageArg;
        /** Set for a limit that a per-channel entry may also set. */
        private BiFunction<Overrides, T, Overrides> perChannel;
        private boolean natsServerKey;
        /** Warnings for an ignored flag or key ({@code %s}: the name as written), or null. */
        private String ignoredFlag;
        private String ignoredKey;
        /** The feature named when the key is refused, or null. */
        private String refused;

        private Option(String name, OptionType<T> type, BiConsumer<ServerConfig.Builder, T> apply) {
            this.name = name;
            this.type = type;
            this.apply = apply;
        }

        private Option<T> flags(String... v) {
            flags = List.of(v);
            return this;
        }

        private Option<T> keys(Section s, String... v) {
            section = s;
            keys = List.of(v);
            return this;
        }

        private Option<T> byDefault(String v) {
            defaultText = v;
            defaultValue = type.parse(v);
            return this;
        }

        private Option<T> usage(String text, UsageGroup... in) {
            help = text;
            groups = List.of(in);
            return this;
        }

        private Option<T> usageArg(String v) {
            usageArg = v;
            return this;
        }

        private Option<T> perChannel(BiFunction<Overrides, T, Overrides> v) {
            perChannel = v;
            return this;
        }

        /** Also a key of the NATS server, read at the top level beside a streaming block and from a -c file. */
        private Option<T> alsoNatsServerKey() {
            natsServerKey = true;
            return this;
        }

        List<String> flags() {
            return flags;
        }

        Section section() {
            return section;
        }

        List<String> keys() {
            return keys;
        }

        String defaultText() {
            return defaultText;
        }

        /** The parsed default, or null when there is none. */
        T defaultValue() {
            return defaultValue;
        }

        boolean natsServerKey() {
            return natsServerKey;
        }

        boolean perChannel() {
            return perChannel != null;
        }

        boolean inUsage() {
            return !groups.isEmpty();
        }

        /** Applies a flag's value; {@code name} is the flag as written, without dashes. */
        void applyFlag(ServerConfig.Builder b, String name, String text) {
            T v = type.parse(text);
            if (apply != null) {
                apply.accept(b, v);
            } else if (ignoredFlag != null) {
                b.warning(ignoredFlag.formatted(name));
            }
        }

        /** Reads and applies a configuration-file entry; returns the warning to report at its line, or null. */
        String applyKey(ServerConfig.Builder b, Entry e) {
            if (refused != null) {
                throw new IllegalArgumentException("\"" + e.key() + "\": " + refused + " is not supported by Stanchion");
            }
            T v = type.read(e);
            if (apply != null) {
                apply.accept(b, v);
                return null;
            }
            return ignoredKey == null ? null : ignoredKey.formatted(e.key());
        }

        /** Reads a per-channel entry's value into {@code o}. */
        Overrides applyChannel(Overrides o, Entry e) {
            return perChannel.apply(o, type.read(e));
        }

        /** The flag column of the usage: {@code -cid, --cluster_id <string>}, {@code       --dir <string>}. */
        String usageFlags() {
            String arg = usageArg != null ? usageArg : " <" + type.usage() + ">";
            if (flags.size() > 1) {
                return String.format("%-6s", flags.get(0) + ",") + String.join(", ", flags.subList(1, flags.size()))
                        + arg;
            }
            return (flags.get(0).startsWith("--") ? "      " : "") + flags.get(0) + arg;
        }

        String usageHelp() {
            return defaultText == null ? help : help.replace("{default}", defaultText);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static final List<Option<?>> ALL = new ArrayList<>();

    // ------------------------------------------------------------------------------------------------ the table

    // Streaming
    static final Option<String> CLUSTER_ID = add("cluster_id", OptionType.STRING, ServerConfig.Builder::clusterId)
            .flags("-cid", "--cluster_id").keys(Section.STREAMING, "id", "cid", "cluster_id")
            .byDefault("test-cluster").usage("Cluster ID (default: {default})", UsageGroup.STREAMING);
    static final Option<ServerConfig.StoreType> STORE = add("store", OptionType.STORE_TYPE,
            ServerConfig.Builder::storeType)
            .flags("-st", "--store").keys(Section.STREAMING, "st", "store", "store_type", "storetype")
            .byDefault("MEMORY").usage("Store type: MEMORY|FILE (default: {default})", UsageGroup.STREAMING);
    static final Option<Path> DIR = add("dir", OptionType.PATH, ServerConfig.Builder::dir)
            .flags("--dir").keys(Section.STREAMING, "dir", "datastore")
            .usage("For FILE store type, this is the root directory", UsageGroup.STREAMING);
    static final Option<Integer> MAX_CHANNELS = add("max_channels", OptionType.COUNT, ServerConfig.Builder::maxChannels)
            .flags("-mc", "--max_channels").keys(Section.STORE_LIMITS, "mc", "max_channels", "maxchannels")
            .byDefault("100").usage("Max number of channels (0 for unlimited) (default: {default})",
                    UsageGroup.STREAMING);
    static final Option<Integer> MAX_SUBS = add("max_subs", OptionType.COUNT, ServerConfig.Builder::maxSubs)
            .flags("-msu", "--max_subs")
            .keys(Section.STORE_LIMITS, "msu", "max_subs", "max_subscriptions", "maxsubscriptions")
            .perChannel(Overrides::withMaxSubs).byDefault("1000")
            .usage("Max number of subscriptions per channel (0 for unlimited)\n(default: {default})",
                    UsageGroup.STREAMING);
    static final Option<Long> MAX_MSGS = add("max_msgs", OptionType.LONG_COUNT, ServerConfig.Builder::maxMsgs)
            .flags("-mm", "--max_msgs").keys(Section.STORE_LIMITS, "mm", "max_msgs", "maxmsgs", "max_count", "maxcount")
            .perChannel(Overrides::withMaxMsgs).byDefault("1000000")
            .usage("Max number of messages per channel (0 for unlimited)\n(default: {default})", UsageGroup.STREAMING);
    static final Option<Long> MAX_BYTES = add("max_bytes", OptionType.SIZE, ServerConfig.Builder::maxBytes)
            .flags("-mb", "--max_bytes").keys(Section.STORE_LIMITS, "mb", "max_bytes", "maxbytes")
            .perChannel(Overrides::withMaxBytes).byDefault("1024000000")
            .usage("Max messages total size per channel (0 for unlimited),\ne.g. 1024, 10MB, 1GB (default: {default})",
                    UsageGroup.STREAMING);
    static final Option<Duration> MAX_AGE = add("max_age", OptionType.NON_NEGATIVE_DURATION,
            ServerConfig.Builder::maxAge)
            .flags("-ma", "--max_age").keys(Section.STORE_LIMITS, "ma", "max_age", "maxage")
            .perChannel(Overrides::withMaxAge).byDefault("0")
            .usage("Max duration a message can be stored (\"0s\" for unlimited)", UsageGroup.STREAMING);
    static final Option<Duration> MAX_INACTIVITY = add("max_inactivity", OptionType.NON_NEGATIVE_DURATION,
            ServerConfig.Builder::maxInactivity)
            .flags("-mi", "--max_inactivity").keys(Section.STORE_LIMITS, "mi", "max_inactivity", "maxinactivity")
            .perChannel(Overrides::withMaxInactivity).byDefault("0")
            .usage("Max inactivity (no new message, no subscription) after which\na channel can be garbage collected "
                    + "(0 for unlimited)", UsageGroup.STREAMING);
    static final Option<List<String>> NATS_SERVER = add("nats_server", OptionType.URLS, ServerConfig.Builder::natsUrls)
            .flags("-ns", "--nats_server").keys(Section.STREAMING, "ns", "nats_server", "nats_server_url")
            .byDefault("nats://127.0.0.1:4222")
            .usage("Connect to this NATS Server URL (comma separated list accepted)\n(default: {default})",
                    UsageGroup.STREAMING);
    static final Option<Path> STAN_CONFIG = add("stan_config", OptionType.PATH, null)
            .flags("-sc", "--stan_config")
            .usage("Streaming server configuration file", UsageGroup.STREAMING, UsageGroup.CONFIG_FILES);
    static final Option<Duration> HB_INTERVAL = add("hb_interval", OptionType.DURATION, ServerConfig.Builder::hbInterval)
            .flags("-hbi", "--hb_interval").keys(Section.STREAMING, "hbi", "hb_interval", "server_to_client_hb_interval")
            .byDefault("30s")
            .usage("Interval at which server sends heartbeat to a client\n(default: {default})", UsageGroup.STREAMING);
    static final Option<Duration> HB_TIMEOUT = add("hb_timeout", OptionType.DURATION, ServerConfig.Builder::hbTimeout)
            .flags("-hbt", "--hb_timeout").keys(Section.STREAMING, "hbt", "hb_timeout", "server_to_client_hb_timeout")
            .byDefault("10s")
            .usage("How long server waits for a heartbeat response (default: {default})", UsageGroup.STREAMING);
    static final Option<Integer> HB_FAIL_COUNT = add("hb_fail_count", OptionType.COUNT,
            ServerConfig.Builder::hbFailCount)
            .flags("-hbf", "--hb_fail_count")
            .keys(Section.STREAMING, "hbf", "hb_fail_count", "server_to_client_hb_fail_count").byDefault("10")
            .usage("Number of failed heartbeats before server closes the client\nconnection (default: {default})",
                    UsageGroup.STREAMING);
    static final Option<String> DISCOVER_PREFIX = add("discover_prefix", OptionType.STRING,
            ServerConfig.Builder::discoverPrefix)
            .flags("--discover_prefix").keys(Section.STREAMING, "discover_prefix").byDefault("_STAN.discover")
            .usage("Prefix of the subject clients connect on\n(default: {default})", UsageGroup.STREAMING);
    static final Option<Boolean> REPLACE_DURABLE = add("replace_durable", OptionType.BOOL,
            ServerConfig.Builder::replaceDurable)
            .flags("--replace_durable").keys(Section.STREAMING, "replace_durable", "replace_durables",
                    "replace_duplicate_durable", "replace_duplicate_durables").byDefault("false")
            .usage("Replace the existing durable subscription instead of reporting\na duplicate durable error "
                    + "(default: {default})", UsageGroup.STREAMING);
    static final Option<Boolean> ENCRYPT = add("encrypt", OptionType.BOOL, ServerConfig.Builder::encrypt)
            .flags("--encrypt").keys(Section.STREAMING, "encrypt").byDefault("false")
            .usage("Specify if server should use encryption at rest\n(default: {default})", UsageGroup.STREAMING);
    static final Option<String> ENCRYPTION_CIPHER = add("encryption_cipher", OptionType.STRING,
            ServerConfig.Builder::encryptionCipher)
            .flags("--encryption_cipher").keys(Section.STREAMING, "encryption_cipher")
            .usage("Cipher to use for encryption: AES (AES-256-GCM, the default)\nor CHACHA (ChaCha20-Poly1305)",
                    UsageGroup.STREAMING);
    static final Option<String> ENCRYPTION_KEY = add("encryption_key", OptionType.STRING,
            ServerConfig.Builder::encryptionKey)
            .flags("--encryption_key").keys(Section.STREAMING, "encryption_key")
            .usage("Encryption key. It is recommended to specify it through the\nNATS_STREAMING_ENCRYPTION_KEY "
                    + "environment variable instead", UsageGroup.STREAMING);
    static final Option<Integer> IO_BATCH_SIZE = add("io_batch_size", OptionType.POSITIVE_COUNT,
            ServerConfig.Builder::ioBatchSize)
            .flags("--io_batch_size").keys(Section.STREAMING, "io_batch_size").byDefault("1024")
            .usage("Max number of requests processed as one batch (default: {default})", UsageGroup.STREAMING);

    // File store
    static final Option<Boolean> FILE_SYNC = add("file_sync", OptionType.BOOL, ServerConfig.Builder::fileSync)
            .flags("--file_sync").keys(Section.FILE_OPTIONS, "sync", "do_sync", "sync_on_flush").byDefault("true")
            .usage("Fsync the log after each batch, before the PubAcks\n(default: {default}; --file_sync=false to "
                    + "turn it off)", UsageGroup.FILE_STORE);
    static final Option<Boolean> FILE_TRUNCATE_BAD_EOF = add("file_truncate_bad_eof", OptionType.BOOL,
            ServerConfig.Builder::fileTruncateBadEof)
            .flags("--file_truncate_bad_eof").keys(Section.FILE_OPTIONS, "truncate_bad_eof").byDefault("false")
            .usage("Truncate a torn or corrupt tail found at startup instead of\nfailing (data loss may occur)",
                    UsageGroup.FILE_STORE);
    static final Option<String> FILE_ROLL_CYCLE = add("file_roll_cycle", OptionType.STRING,
            ServerConfig.Builder::fileRollCycle)
            .flags("--file_roll_cycle").keys(Section.FILE_OPTIONS, "roll_cycle").byDefault("LARGE_DAILY")
            .usage("Chronicle roll cycle of the logs; retention frees disk a\ncycle file at a time (default: "
                    + "{default})", UsageGroup.FILE_STORE);
    static final Option<Long> FILE_MIN_FREE = add("file_min_free", OptionType.SIZE, ServerConfig.Builder::fileMinFree)
            .flags("--file_min_free").keys(Section.FILE_OPTIONS, "min_free").byDefault("64MB")
            .usage("Free disk space to keep: a publish that would leave less\nis refused with \"no space left on "
                    + "device\" (default: {default})", UsageGroup.FILE_STORE);

    static {
        // The original's file-store tuning: accepted, checked, ignored with a warning (usage: one paragraph).
        String store = "file store";
        ignoredTuning("--file_compact_enabled", store, OptionType.BOOL, "compact", "compact_enabled");
        ignoredTuning("--file_compact_frag", store, OptionType.INTEGER, "compact_frag", "compact_fragmentation");
        ignoredTuning("--file_compact_interval", store, OptionType.INTEGER, "compact_interval");
        ignoredTuning("--file_compact_min_size", store, OptionType.SIZE, "compact_min_size");
        ignoredTuning("--file_buffer_size", store, OptionType.SIZE, "buffer_size");
        ignoredTuning("--file_crc", store, OptionType.BOOL, "crc", "do_crc");
        ignoredTuning("--file_crc_poly", store, OptionType.INTEGER, "crc_poly");
        ignoredTuning("--file_slice_max_msgs", store, OptionType.INTEGER, "slice_max_msgs", "slice_max_count",
                "slice_msgs", "slice_count");
        ignoredTuning("--file_slice_max_bytes", store, OptionType.SIZE, "slice_max_bytes", "slice_max_size",
                "slice_bytes", "slice_size");
        ignoredTuning("--file_slice_max_age", store, OptionType.DURATION, "slice_max_age", "slice_age",
                "slice_max_time", "slice_time_limit");
        ignoredTuning("--file_slice_archive_script", store, OptionType.STRING, "slice_archive_script",
                "slice_archive", "slice_script");
        ignoredTuning("--file_fds_limit", store, OptionType.INTEGER, "file_descriptors_limit", "fds_limit");
        ignoredTuning("--file_parallel_recovery", store, OptionType.INTEGER, "parallel_recovery");
        ignoredTuning("--file_read_buffer_size", store, OptionType.SIZE, "file_read_buffer_size", "read_buffer_size");
        ignoredTuning("--file_auto_sync", store, OptionType.DURATION, "file_auto_sync", "auto_sync");
        ignoredTuning("--io_sleep_time", "IO loop", OptionType.INTEGER);
    }

    static final Option<Boolean> PARTITIONING = add("partitioning", OptionType.BOOL,
            ServerConfig.Builder::partitioning)
            .flags("-partitioning").keys(Section.STREAMING, "partitioning").byDefault("false")
            .usage("Serve only the channels of store_limits.channels (other\nservers with this cluster ID serve "
                    + "the rest; default: {default})", UsageGroup.STREAMING);

    static final Option<String> FT_GROUP = add("ft_group", OptionType.STRING, ServerConfig.Builder::ftGroup)
            .flags("-ft_group").keys(Section.STREAMING, "ft_group", "ft_group_name")
            .usage("Fault-tolerance group: one active server, the others (same\nshared FILE store) standing by to "
                    + "take over", UsageGroup.STREAMING);

    // Clustering (Raft). Unlike the original's, whose peers are node IDs reached through NATS, a peer is
    // <node_id>@<host>:<port>: the nodes' Raft transports talk directly.
    static final Option<Boolean> CLUSTERED = add("clustered", OptionType.BOOL, ServerConfig.Builder::clustered)
            .flags("-clustered").byDefault("false")
            .usage("Run as a node of a Raft cluster (needs --store FILE)\n(default: {default})", UsageGroup.CLUSTERING);
    static final Option<String> CLUSTER_NODE_ID = add("cluster_node_id", OptionType.STRING,
            ServerConfig.Builder::clusterNodeId)
            .flags("-cluster_node_id").keys(Section.CLUSTER, "node_id")
            .usage("ID of this node in the cluster (required when clustered)", UsageGroup.CLUSTERING);
    static final Option<List<ClusterConfig.Peer>> CLUSTER_PEERS = add("cluster_peers", OptionType.PEERS,
            ServerConfig.Builder::clusterPeers)
            .flags("-cluster_peers").keys(Section.CLUSTER, "peers")
            .usage("Every node of the cluster, this one included, with the\naddress of its Raft transport "
                    + "(comma-separated)", UsageGroup.CLUSTERING);
    static final Option<Boolean> CLUSTER_BOOTSTRAP = add("cluster_bootstrap", OptionType.BOOL,
            ServerConfig.Builder::clusterBootstrap)
            .flags("-cluster_bootstrap").keys(Section.CLUSTER, "bootstrap").byDefault("false")
            .usage("Without -cluster_peers: run as a one-node cluster at the\naddress -cluster_listen "
                    + "(default: {default})", UsageGroup.CLUSTERING);
    static final Option<Path> CLUSTER_LOG_PATH = add("cluster_log_path", OptionType.PATH,
            ServerConfig.Builder::clusterLogPath)
            .flags("-cluster_log_path").keys(Section.CLUSTER, "log_path")
            .usage("Directory of the Raft log (default: <dir>/_raft)", UsageGroup.CLUSTERING);
    static final Option<Boolean> CLUSTER_SYNC = add("cluster_sync", OptionType.BOOL, ServerConfig.Builder::clusterSync)
            .flags("-cluster_sync").keys(Section.CLUSTER, "sync").byDefault("false")
            .usage("Fsync the Raft log and the store before an entry counts\nas stored (default: {default})",
                    UsageGroup.CLUSTERING);
    static final Option<Boolean> CLUSTER_RAFT_LOGGING = add("cluster_raft_logging", OptionType.BOOL,
            ServerConfig.Builder::clusterRaftLogging)
            .flags("-cluster_raft_logging").keys(Section.CLUSTER, "raft_logging").byDefault("false")
            .usage("Log the Raft library's messages, not only its warnings\n(default: {default})",
                    UsageGroup.CLUSTERING);
    static final Option<String> CLUSTER_LISTEN = add("cluster_listen", OptionType.STRING,
            ServerConfig.Builder::clusterListen)
            .flags("-cluster_listen").keys(Section.CLUSTER, "listen")
            .usage("Host the Raft transport binds (default: this node's host in\n-cluster_peers); for a "
                    + "one-node cluster, host:port or :port\n(default: " + ClusterConfig.DEFAULT_BOOTSTRAP_HOST
                    + ":" + ClusterConfig.DEFAULT_BOOTSTRAP_PORT + ")", UsageGroup.CLUSTERING);
    static final Option<Duration> CLUSTER_ELECTION_TIMEOUT = add("cluster_election_timeout", OptionType.DURATION,
            ServerConfig.Builder::clusterElectionTimeout)
            .flags("-cluster_election_timeout").keys(Section.CLUSTER, "raft_election_timeout").byDefault("500ms")
            .usage("Without a leader for this to twice this, a node starts an\nelection (at least 100ms; "
                    + "default: {default})", UsageGroup.CLUSTERING);
    static final Option<Boolean> CLUSTER_ALLOW_ADD_REMOVE_NODE = add("cluster_allow_add_remove_node",
            OptionType.BOOL, ServerConfig.Builder::clusterAllowAddRemove)
            .flags("-cluster_allow_add_remove_node").keys(Section.CLUSTER, "allow_add_remove_node")
            .byDefault("false")
            .usage("The leader adds and removes nodes on request\n(_STAN.raft.<cluster_id>.node.add / .remove; "
                    + "default: {default})", UsageGroup.CLUSTERING);

    static {
        // The original's Raft tuning (hashicorp/raft, BoltDB, NATS connections): accepted, checked, ignored with a
        // warning. Those without a flag in the original are keys only.
        ignoredRaftTuning("-cluster_log_cache_size", OptionType.INTEGER, "log_cache_size");
        ignoredRaftTuning("-cluster_log_snapshots", OptionType.INTEGER, "log_snapshots");
        ignoredRaftTuning("-cluster_trailing_logs", OptionType.INTEGER, "trailing_logs");
        ignoredRaftTuning("-cluster_proceed_on_restore_failure", OptionType.BOOL, "proceed_on_restore_failure");
        ignoredRaftTuning(null, OptionType.DURATION, "raft_heartbeat_timeout");
        ignoredRaftTuning(null, OptionType.DURATION, "raft_lease_timeout");
        ignoredRaftTuning(null, OptionType.DURATION, "raft_commit_timeout");
        ignoredRaftTuning(null, OptionType.BOOL, "bolt_free_list_sync");
        ignoredRaftTuning(null, OptionType.BOOL, "bolt_free_list_map");
        ignoredRaftTuning(null, OptionType.BOOL, "nodes_connections");
    }

    // TLS to NATS
    static final Option<Boolean> SECURE = add("secure", OptionType.BOOL, ServerConfig.Builder::secure)
            .flags("-secure").keys(Section.STREAMING, "secure").byDefault("false")
            .usage("Use a TLS connection to the NATS server", UsageGroup.TLS);
    static final Option<Path> TLS_CLIENT_KEY = add("tls_client_key", OptionType.PATH, ServerConfig.Builder::tlsClientKey)
            .flags("-tls_client_key").keys(Section.TLS, "client_key")
            .usage("Client key for the streaming server (PEM)", UsageGroup.TLS);
    static final Option<Path> TLS_CLIENT_CERT = add("tls_client_cert", OptionType.PATH,
            ServerConfig.Builder::tlsClientCert)
            .flags("-tls_client_cert").keys(Section.TLS, "client_cert")
            .usage("Client certificate for the streaming server (PEM)", UsageGroup.TLS);
    static final Option<Path> TLS_CLIENT_CACERT = add("tls_client_cacert", OptionType.PATH,
            ServerConfig.Builder::tlsClientCa)
            .flags("-tls_client_cacert").keys(Section.TLS, "client_ca", "client_cacert")
            .usage("Client certificate CA for the streaming server (PEM)", UsageGroup.TLS);
    static final Option<String> TLS_SERVER_NAME = add("tls_server_name", OptionType.STRING,
            ServerConfig.Builder::tlsServerName)
            .keys(Section.TLS, "server_name", "server_hostname");
    static final Option<Boolean> TLS_SKIP_VERIFY = add("tls_skip_verify", OptionType.BOOL,
            ServerConfig.Builder::tlsSkipVerify)
            .keys(Section.TLS, "skip_verify", "insecure").byDefault("false");

    // Logging
    static final Option<Boolean> STAN_DEBUG = add("stan_debug", OptionType.BOOL, ServerConfig.Builder::debug)
            .flags("-SD", "--stan_debug").keys(Section.STREAMING, "sd", "stan_debug").byDefault("false")
            .usageArg("=<bool>").usage("Enable STAN debugging output", UsageGroup.LOGGING);
    static final Option<Boolean> STAN_TRACE = add("stan_trace", OptionType.BOOL, ServerConfig.Builder::trace)
            .flags("-SV", "--stan_trace").keys(Section.STREAMING, "sv", "stan_trace").byDefault("false")
            .usageArg("=<bool>").usage("Trace the raw STAN protocol", UsageGroup.LOGGING);
    static final Option<Boolean> STAN_DEBUG_TRACE = add("stan_debug_trace", OptionType.BOOL,
            (b, v) -> b.debug(v).trace(v))
            .flags("-SDV").usageArg("").usage("Debug and trace STAN", UsageGroup.LOGGING);
    static final Option<Boolean> DEBUG_TRACE = add("debug_trace", OptionType.BOOL, (b, v) -> b.debug(v).trace(v))
            .flags("-DV").usageArg("").usage("Debug and trace (STAN)", UsageGroup.LOGGING);
    static final Option<Boolean> DEBUG = add("debug", OptionType.BOOL, ServerConfig.Builder::debug)
            .flags("-D", "--debug").keys(Section.STREAMING, "debug").usageArg("")
            .usage("Enable debugging output", UsageGroup.LOGGING);
    static final Option<Boolean> TRACE = add("trace", OptionType.BOOL, ServerConfig.Builder::trace)
            .flags("-V", "--trace").keys(Section.STREAMING, "trace").usageArg("")
            .usage("Trace the raw protocol", UsageGroup.LOGGING);
    static final Option<Boolean> LOGTIME = add("logtime", OptionType.BOOL, ServerConfig.Builder::logTime)
            .flags("-T", "--logtime").keys(Section.STREAMING, "logtime").byDefault("true").usageArg("=<bool>")
            .usage("Timestamp log entries (default: {default})", UsageGroup.LOGGING);
    static final Option<Path> LOG_FILE = add("log_file", OptionType.PATH, ServerConfig.Builder::logFile)
            .flags("-l", "--log").keys(Section.STREAMING, "log_file", "logfile")
            .usage("File to redirect log output to (reopened on SIGUSR1,\nfor log rotation)", UsageGroup.LOGGING);

    // Authentication to NATS
    static final Option<String> USER = add("user", OptionType.STRING, ServerConfig.Builder::natsUser)
            .flags("--user").keys(Section.STREAMING, "username", "user")
            .usage("User for the connection to NATS", UsageGroup.AUTH);
    static final Option<String> PASS = add("pass", OptionType.STRING, ServerConfig.Builder::natsPassword)
            .flags("--pass").keys(Section.STREAMING, "password", "pass")
            .usage("Password for the connection to NATS", UsageGroup.AUTH);
    static final Option<String> AUTH = add("auth", OptionType.STRING, ServerConfig.Builder::natsToken)
            .flags("--auth").keys(Section.STREAMING, "token")
            .usage("Authorization token for the connection to NATS", UsageGroup.AUTH);
    static final Option<Path> CREDENTIALS = add("credentials", OptionType.PATH, ServerConfig.Builder::natsCredentials)
            .keys(Section.STREAMING, "credentials");
    static final Option<Path> NKEY_SEED_FILE = add("nkey_seed_file", OptionType.PATH,
            ServerConfig.Builder::nkeySeedFile)
            .keys(Section.STREAMING, "nkey_seed_file");

    // Monitoring
    static final Option<Integer> HTTP_PORT = add("http_port", OptionType.PORT, ServerConfig.Builder::httpPort)
            .flags("-m", "--http_port").keys(Section.STREAMING, "http_port", "monitor_port").alsoNatsServerKey()
            .byDefault("0").usage("HTTP port for /streaming monitoring and /metrics (0 = off)", UsageGroup.MONITORING);
    static final Option<OptionType.HostPort> HTTP = add("http", OptionType.HOST_PORT, (b, v) -> {
        b.httpPort(v.port());
        if (v.host() != null) {
            b.httpHost(v.host());
        }
    }).keys(Section.STREAMING, "http").alsoNatsServerKey();
    static final Option<String> HTTP_HOST = add("http_host", OptionType.STRING, ServerConfig.Builder::httpHost)
            .flags("-mh", "--http_host").keys(Section.STREAMING, "http_host").byDefault("127.0.0.1")
            .usage("Address the monitoring server binds to (default: {default})", UsageGroup.MONITORING);
    static final Option<Boolean> HTTP_JSONP = add("http_jsonp", OptionType.BOOL, ServerConfig.Builder::httpJsonp)
            .flags("--http_jsonp").keys(Section.STREAMING, "http_jsonp").byDefault("false")
            .usage("Answer ?callback=fn with JSONP (default: {default})", UsageGroup.MONITORING);
    static final Option<String> HTTP_ALLOWED_HOSTS = add("http_allowed_hosts", OptionType.HOSTS,
            ServerConfig.Builder::httpAllowedHosts)
            .flags("--http_allowed_hosts").keys(Section.STREAMING, "http_allowed_hosts")
            .usage("Comma list of extra Host header values accepted (DNS\nrebinding check; * = any; default: none)",
                    UsageGroup.MONITORING);

    // Configuration files and help: acted upon by Flags itself
    static final Option<Path> NATS_CONFIG = add("config", OptionType.PATH, null)
            .flags("-c", "--config")
            .usage("NATS server configuration file (also read for streaming\nwhen -sc is not given)",
                    UsageGroup.CONFIG_FILES);
    static final Option<Boolean> HELP = add("help", OptionType.BOOL, null)
            .flags("-h", "--help").usageArg("").usage("Show this message", UsageGroup.COMMON);

    static {
        ignoredKey("syslog_name", OptionType.STRING, "\"%s\" (Windows event log source) does not apply to Stanchion; "
                + "ignored");
        refused("the SQL store", "sql", "sql_options");
    }

    // ------------------------------------------------------------------------------------------------ declaring

    private static final String TUNING_HELP = "Tuning of the original's file store: accepted for\ncompatibility, "
            + "ignored (with a warning)";

    private static <T> Option<T> add(String name, OptionType<T> type, BiConsumer<ServerConfig.Builder, T> apply) {
        Option<T> o = new Option<>(name, type, apply);
        ALL.add(o);
        return o;
    }

    private static <T> void ignoredTuning(String flag, String tuned, OptionType<T> type, String... fileKeys) {
        Option<T> o = add(flag.substring(2), type, null).flags(flag).usage(TUNING_HELP, UsageGroup.FILE_STORE);
        o.ignoredFlag = "flag -%s tunes the original's " + tuned + " and has no effect on Stanchion; ignored";
        if (fileKeys.length > 0) {
            o.keys(Section.FILE_OPTIONS, fileKeys).ignoredKey = "file store option \"%s\" does not apply to "
                    + "Stanchion's Chronicle Queue store; ignored";
        }
    }

    private static final String RAFT_TUNING_HELP = "Tuning of the original's Raft: accepted for\ncompatibility, "
            + "ignored (with a warning)";

    /** An option of the original's Raft implementation: a flag (or null: a key only) and a cluster { } key. */
    private static <T> void ignoredRaftTuning(String flag, OptionType<T> type, String fileKey) {
        Option<T> o = add(flag != null ? flag.substring(1) : "cluster_" + fileKey, type, null)
                .keys(Section.CLUSTER, fileKey);
        o.ignoredKey = "cluster option \"%s\" tunes the original's Raft and has no effect on Stanchion; ignored";
        if (flag != null) {
            o.flags(flag).usage(RAFT_TUNING_HELP, UsageGroup.CLUSTERING);
            o.ignoredFlag = "flag -%s tunes the original's Raft and has no effect on Stanchion; ignored";
        }
    }

    private static <T> void ignoredKey(String key, OptionType<T> type, String warning) {
        add(key, type, null).keys(Section.STREAMING, key).ignoredKey = warning;
    }

    private static void refused(String feature, String... keys) {
        add(keys[0], OptionType.ANY, null).keys(Section.STREAMING, keys).refused = feature;
    }

    // ------------------------------------------------------------------------------------------------ lookups

    private static final Map<String, Option<?>> BY_FLAG = new HashMap<>();
    private static final Map<Section, Map<String, Option<?>>> BY_KEY = new EnumMap<>(Section.class);

    static {
        for (Section s : Section.values()) {
            BY_KEY.put(s, new HashMap<>());
        }
        for (Option<?> o : ALL) {
            for (String f : o.flags) {
                BY_FLAG.put(f.replaceFirst("^--?", ""), o);
            }
            for (String k : o.keys) {
                BY_KEY.get(o.section).put(k, o);
            }
        }
    }

    private OptionRegistry() {
    }

    /** All options, in declaration (and usage) order. */
    static List<Option<?>> all() {
        return List.copyOf(ALL);
    }

    /** The option of a flag name written without its dashes, or null. */
    static Option<?> byFlag(String name) {
        return BY_FLAG.get(name);
    }

    /** The option of a (lower-case) key in a section, or null. */
    static Option<?> byKey(Section s, String key) {
        return BY_KEY.get(s).get(key);
    }

    /** The block a (lower-case) key opens in {@code parent}, or null. */
    static Section block(Section parent, String key) {
        for (Section s : Section.values()) {
            if (s.parent == parent && s.keys.contains(key)) {
                return s;
            }
        }
        return null;
    }

    /** The keys known in a section (its blocks' and its options'), for "did you mean" suggestions. */
    static List<String> keys(Section section) {
        List<String> keys = new ArrayList<>();
        for (Section s : Section.values()) {
            if (s.parent == section) {
                keys.addAll(s.keys);
            }
        }
        for (Option<?> o : ALL) {
            if (o.section == section) {
                keys.addAll(o.keys);
            }
        }
        return keys;
    }

    /** The keys a per-channel entry may hold. */
    static List<String> channelKeys() {
        List<String> keys = new ArrayList<>();
        for (Option<?> o : ALL) {
            if (o.perChannel()) {
                keys.addAll(o.keys);
            }
        }
        return keys;
    }

    /** Sets every declared default on a new builder. */
    static void applyDefaults(ServerConfig.Builder b) {
        for (Option<?> o : ALL) {
            applyDefault(o, b);
        }
    }

    private static <T> void applyDefault(Option<T> o, ServerConfig.Builder b) {
        if (o.defaultValue != null && o.apply != null) {
            o.apply.accept(b, o.defaultValue);
        }
    }

    // ------------------------------------------------------------------------------------------------ usage

    private static final int FLAG_COLUMN = 36;
    private static final int WIDTH = 100;

    /** The usage text: every option with a flag, by group, in declaration order. */
    static String usage() {
        StringBuilder u = new StringBuilder("Usage: java -jar stanchion.jar [options]\n");
        String helpIndent = " ".repeat(4 + FLAG_COLUMN + 1);
        for (UsageGroup g : UsageGroup.values()) {
            u.append('\n').append(g.heading).append('\n');
            List<String> ignoredFlags = new ArrayList<>();
            String ignoredHelp = null;
            for (Option<?> o : ALL) {
                if (!o.groups.contains(g)) {
                    continue;
                }
                if (o.ignoredFlag != null) {
                    ignoredFlags.addAll(o.flags);
                    ignoredHelp = o.usageHelp();
                    continue;
                }
                String[] help = o.usageHelp().split("\n");
                u.append(String.format("    %-" + FLAG_COLUMN + "s %s", o.usageFlags(), help[0])).append('\n');
                for (int i = 1; i < help.length; i++) {
                    u.append(helpIndent).append(help[i]).append('\n');
                }
            }
            if (!ignoredFlags.isEmpty()) {
                // One paragraph: the flags, wrapped, then what they have in common.
                String indent = ignoredFlags.get(0).startsWith("--") ? "          " : "    ";
                StringBuilder line = new StringBuilder(indent);
                for (int i = 0; i < ignoredFlags.size(); i++) {
                    String word = ignoredFlags.get(i) + (i < ignoredFlags.size() - 1 ? "," : "");
                    if (line.length() > indent.length() && line.length() + 1 + word.length() > WIDTH) {
                        u.append(line).append('\n');
                        line.setLength(0);
                        line.append(indent);
                    }
                    line.append(line.length() > indent.length() ? " " : "").append(word);
                }
                u.append(line).append('\n');
                for (String h : ignoredHelp.split("\n")) {
                    u.append(helpIndent).append(h).append('\n');
                }
            }
            if (g.note != null) {
                for (String line : g.note.split("\n")) {
                    u.append("    ").append(line).append('\n');
                }
            }
        }
        return u.toString();
    }
}
