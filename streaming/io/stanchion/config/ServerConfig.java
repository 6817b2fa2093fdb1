package io.stanchion.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The one configuration object of a server: immutable, built by {@link Flags} (defaults &lt; configuration file
 * ({@link ConfigFile}) &lt; flags) and read by every part of the server. Defaults are the original NATS Streaming
 * server's, declared with the options in {@link OptionRegistry}.
 */
public final class ServerConfig {

    /** Which message store backs the channels. */
    public enum StoreType { MEMORY, FILE }

    public final String clusterId;
    public final StoreType storeType;
    /** Root directory of the FILE store; {@code null} for MEMORY. */
    public final Path dir;
    /** NATS server URLs the server connects to. */
    public final List<String> natsUrls;
    public final Duration hbInterval;
    public final Duration hbTimeout;
    public final int hbFailCount;
    /** fsync every batch before its PubAcks are sent (default true, as the original's file store). */
    public final boolean fileSync;
    public final boolean replaceDurable;
    /**
     * Encryption at rest of message payloads (-encrypt): the master key and the cipher new payloads are sealed
     * with; {@code null} when off. Holds the key's hash only, never the key.
     */
    public final io.stanchion.store.crypto.EncryptionKey encryption;
    /** At startup, cut a torn or corrupt tail of a log or journal instead of refusing to start. */
    public final boolean fileTruncateBadEof;
    /**
     * Chronicle roll cycle of the channel logs (e.g. LARGE_DAILY, FAST_HOURLY): retention returns disk space a whole
     * cycle file at a time, so a shorter cycle frees space sooner.
     */
    public final String fileRollCycle;
    /**
     * Free space (bytes) an append to a message log must leave on the store's file system, else the publish is
     * refused with "no space left on device"; the state journal keeps half of it free.
     */
    public final long fileMinFree;
    /** Global and per-channel limits; {@link StoreLimits#forChannel} gives a channel's limits. */
    public final StoreLimits storeLimits;
    /** Derived: {@code storeLimits.maxChannels()}, the global max number of channels; 0 = unlimited. */
    public final int maxChannels;
    /**
     * Derived: {@code storeLimits.defaults().maxSubs()}, the global default of subscriptions per channel; 0 =
     * unlimited. A channel's own value (per-channel limits) is {@code storeLimits.forChannel(name).maxSubs()}.
     */
    public final int maxSubs;
    /** Prefix of the discover subject clients connect on: {@code <discoverPrefix>.<clusterId>}. */
    public final String discoverPrefix;
    /** Largest number of inbound requests the engine handles as one batch (one flush, one PubAck burst). */
    public final int ioBatchSize;
    /**
     * Payload bytes the engine's inbound queue holds at most before the NATS dispatcher waits (beside its bound of
     * 65,536 commands): caps the heap taken by publishes the engine has not handled yet. Default 64 MiB.
     */
    public final long inboundMaxBytes;
    /**
     * The FILE store's file-system operations (fsync, free space): {@link io.stanchion.store.DiskOps#SYSTEM}; a test
     * or an embedding application may inject faults through it. Not a flag.
     */
    public final io.stanchion.store.DiskOps diskOps;
    public final boolean debug;
    /** Log to this file instead of standard error (reopened on SIGUSR1); {@code null}: standard error. */
    public final Path logFile;
    /** Timestamp log entries (default true). */
    public final boolean logTime;
    public final boolean trace;
    public final String natsUser;
    public final String natsPassword;
    public final String natsToken;
    /** NATS credentials file (JWT + NKey seed) for the connection to NATS; null = none. */
    public final Path natsCredentials;
    /** File holding an NKey seed used to authenticate to NATS; null = none. */
    public final Path nkeySeedFile;
    /** TLS to NATS requested explicitly ({@code -secure}); see {@link #tlsEnabled()}. */
    public final boolean secure;
    /** PEM client certificate (chain) presented to NATS; needs {@link #tlsClientKey}. */
    public final Path tlsClientCert;
    /** PEM private key of {@link #tlsClientCert} (PKCS#8, PKCS#1 RSA or SEC1 EC, unencrypted). */
    public final Path tlsClientKey;
    /** PEM CA certificate(s) that verify the NATS server; null = the JVM's default trust store. */
    public final Path tlsClientCa;
    /** Name expected in the NATS server's certificate (and sent as SNI) instead of the URL's host. */
    public final String tlsServerName;
    /** Accept any NATS server certificate (insecure; logged loudly). */
    public final boolean tlsSkipVerify;
    /** Configuration files that were loaded, in order (empty when none). */
    public final List<Path> configFiles;
    /**
     * Non-fatal remarks about the configuration (options accepted for compatibility but ignored, ...), to be
     * logged at startup.
     */
    public final List<String> warnings;
    /** Monitoring HTTP port; 0 = no monitoring server. */
    public final int httpPort;
    /** Address the monitoring server binds to (loopback unless configured). */
    public final String httpHost;
    /** Whether the monitoring JSON endpoints answer {@code ?callback=fn} with JSONP (off: plain JSON). */
    public final boolean httpJsonp;
    /** Clustering settings; {@code null} when the server runs alone (not clustered). */
    public final ClusterConfig cluster;
    /**
     * Partitioning ({@code -partitioning}): the server serves only the channels named (literally or by wildcard)
     * in {@code store_limits.channels}; see {@code io.stanchion.partition}.
     */
    public final boolean partitioning;
    /**
     * The fault-tolerance group ({@code -ft_group}): servers of one group share a FILE store; the one holding its
     * lock is active, the others stand by. {@code null} when not in a group.
     */
    public final String ftGroup;
    /**
     * Host names (or addresses) a monitoring request's Host header may name besides the bound address (and, on a
     * loopback address, localhost / 127.0.0.1 / [::1]); {@code *} accepts any. Lower case, without ports.
     */
    public final List<String> httpAllowedHosts;

    private ServerConfig(Builder b) {
        this.clusterId = b.clusterId;
        this.storeType = b.storeType;
        this.dir = b.dir;
        this.natsUrls = List.copyOf(b.natsUrls);
        this.hbInterval = b.hbInterval;
        this.hbTimeout = b.hbTimeout;
        this.hbFailCount = b.hbFailCount;
        this.fileSync = b.fileSync;
        this.replaceDurable = b.replaceDurable;
        this.encryption = b.builtEncryption;
        this.fileTruncateBadEof = b.fileTruncateBadEof;
        this.fileRollCycle = b.fileRollCycle;
        this.fileMinFree = b.fileMinFree;
        this.storeLimits = b.builtLimits;
        this.partitioning = b.partitioning;
        this.ftGroup = b.ftGroup;
        this.maxChannels = storeLimits.maxChannels();
        this.maxSubs = storeLimits.defaults().maxSubs();
        this.discoverPrefix = b.discoverPrefix;
        this.ioBatchSize = b.ioBatchSize;
        this.inboundMaxBytes = b.inboundMaxBytes;
        this.diskOps = b.diskOps;
        this.debug = b.debug;
        this.logFile = b.logFile;
        this.logTime = b.logTime;
        this.trace = b.trace;
        this.natsUser = b.natsUser;
        this.natsPassword = b.natsPassword;
        this.natsToken = b.natsToken;
        this.natsCredentials = b.natsCredentials;
        this.nkeySeedFile = b.nkeySeedFile;
        this.secure = b.secure;
        this.tlsClientCert = b.tlsClientCert;
        this.tlsClientKey = b.tlsClientKey;
        this.tlsClientCa = b.tlsClientCa;
        this.tlsServerName = b.tlsServerName;
        this.tlsSkipVerify = b.tlsSkipVerify;
        this.configFiles = List.copyOf(b.configFiles);
        this.warnings = List.copyOf(b.warnings);
        this.httpPort = b.httpPort;
        this.httpHost = b.httpHost;
        this.httpJsonp = b.httpJsonp;
        this.cluster = b.builtCluster;
        this.httpAllowedHosts = List.copyOf(b.httpAllowedHosts);
    }

    /**
     * Whether the connection to NATS uses TLS: asked with {@code secure}, or implied (as in the original) by any
     * of the client certificate, CA, server name or skip-verify options.
     */
    public boolean tlsEnabled() {
        return secure || tlsClientCert != null || tlsClientKey != null || tlsClientCa != null || tlsServerName != null
                || tlsSkipVerify;
    }

    /** The discover subject of this cluster: {@code <discoverPrefix>.<clusterId>}. */
    public String discoverSubject() {
        return discoverPrefix + "." + clusterId;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder preloaded with this configuration's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.clusterId = clusterId;
        b.storeType = storeType;
        b.dir = dir;
        b.natsUrls = natsUrls;
        b.hbInterval = hbInterval;
        b.hbTimeout = hbTimeout;
        b.hbFailCount = hbFailCount;
        b.fileSync = fileSync;
        b.replaceDurable = replaceDurable;
        b.builtEncryption = encryption;
        b.encrypt = encryption != null;
        b.encryptionCipher = encryption == null ? null : encryption.cipherName();
        b.fileTruncateBadEof = fileTruncateBadEof;
        b.fileRollCycle = fileRollCycle;
        b.fileMinFree = fileMinFree;
        b.limits = storeLimits.toBuilder();
        b.partitioning = partitioning;
        b.ftGroup = ftGroup;
        b.discoverPrefix = discoverPrefix;
        b.ioBatchSize = ioBatchSize;
        b.inboundMaxBytes = inboundMaxBytes;
        b.diskOps = diskOps;
        b.debug = debug;
        b.logFile = logFile;
        b.logTime = logTime;
        b.trace = trace;
        b.natsUser = natsUser;
        b.natsPassword = natsPassword;
        b.natsToken = natsToken;
        b.natsCredentials = natsCredentials;
        b.nkeySeedFile = nkeySeedFile;
        b.secure = secure;
        b.tlsClientCert = tlsClientCert;
        b.tlsClientKey = tlsClientKey;
        b.tlsClientCa = tlsClientCa;
        b.tlsServerName = tlsServerName;
        b.tlsSkipVerify = tlsSkipVerify;
        b.configFiles = new ArrayList<>(configFiles);
        b.warnings = new ArrayList<>(warnings);
        b.httpPort = httpPort;
        b.httpHost = httpHost;
        b.httpJsonp = httpJsonp;
        b.cluster(cluster);
        b.httpAllowedHosts = httpAllowedHosts;
        return b;
    }

    /**
     * Mutable holder of the values; {@link #build()} validates them. A new builder holds the defaults declared in
     * {@link OptionRegistry}.
     */
    public static final class Builder {
        private String clusterId;
        private StoreType storeType;
        private Path dir;
        private List<String> natsUrls;
        private Duration hbInterval;
        private Duration hbTimeout;
        private int hbFailCount;
        private boolean fileSync;
        private boolean replaceDurable;
        private boolean encrypt;
        private String encryptionCipher;
        private String encryptionKey;
        private java.util.function.UnaryOperator<String> environment = System::getenv;
        private io.stanchion.store.crypto.EncryptionKey builtEncryption;
        private boolean fileTruncateBadEof;
        private String fileRollCycle;
        private long fileMinFree;
        private StoreLimits.Builder limits = StoreLimits.builder();
        private StoreLimits builtLimits;
        private String discoverPrefix;
        private int ioBatchSize;
        private long inboundMaxBytes = 64L << 20;
        private io.stanchion.store.DiskOps diskOps = io.stanchion.store.DiskOps.SYSTEM;
        private boolean debug;
        private boolean trace;
        private String natsUser;
        private String natsPassword;
        private String natsToken;
        private Path natsCredentials;
        private Path nkeySeedFile;
        private boolean secure;
        private Path tlsClientCert;
        private Path tlsClientKey;
        private Path tlsClientCa;
        private String tlsServerName;
        private boolean tlsSkipVerify;
        private List<Path> configFiles = new ArrayList<>();
        private List<String> warnings = new ArrayList<>();
        private int httpPort;
        private String httpHost;
        private boolean httpJsonp;
        private boolean clustered;
        private boolean partitioning;
        private Path logFile;
        private boolean logTime = true;
        private String ftGroup;
        private String clusterNodeId;
        private List<ClusterConfig.Peer> clusterPeers = List.of();
        private boolean clusterBootstrap;
        private Path clusterLogPath;
        private boolean clusterSync;
        private boolean clusterRaftLogging;
        private String clusterListen;
        private Duration clusterElectionTimeout;
        private boolean clusterAllowAddRemove;
        private ClusterConfig builtCluster;
        private List<String> httpAllowedHosts = List.of();

        public Builder() {
            OptionRegistry.applyDefaults(this);
        }

        public Builder clusterId(String v) { clusterId = v; return this; }
        /**
         * All the clustering settings at once; {@code null}: not clustered. The same as the {@code cluster*}
         * setters below (which a later setter or flag may change).
         */
        public Builder cluster(ClusterConfig v) {
            clustered = v != null;
            if (v != null) {
                clusterNodeId = v.nodeId();
                clusterPeers = v.peers();
                clusterBootstrap = v.bootstrap();
                clusterLogPath = v.logPath();
                clusterSync = v.sync();
                clusterRaftLogging = v.raftLogging();
                clusterListen = v.listenHost();
                clusterElectionTimeout = v.electionTimeout();
                clusterAllowAddRemove = v.allowAddRemove();
            }
            return this;
        }
        /** Partitioning on: serve only the channels of {@code store_limits.channels}. */
        public Builder partitioning(boolean v) { partitioning = v; return this; }
        public Builder logFile(Path v) { logFile = v; return this; }
        public Builder logTime(boolean v) { logTime = v; return this; }
        public Builder ftGroup(String v) { ftGroup = v == null || v.isEmpty() ? null : v; return this; }
        /** Clustering on ({@code -clustered}, a {@code cluster { }} block): the other cluster settings apply. */
        public Builder clustered(boolean v) { clustered = v; return this; }
        public Builder clusterNodeId(String v) { clusterNodeId = v; return this; }
        /** Every node of the group, this one included (see {@link #build()} for a one-node group). */
        public Builder clusterPeers(List<ClusterConfig.Peer> v) { clusterPeers = List.copyOf(v); return this; }
        public Builder clusterBootstrap(boolean v) { clusterBootstrap = v; return this; }
        /** The Raft log directory; null: {@code <dir>/_raft}. */
        public Builder clusterLogPath(Path v) { clusterLogPath = v; return this; }
        public Builder clusterSync(boolean v) { clusterSync = v; return this; }
        public Builder clusterRaftLogging(boolean v) { clusterRaftLogging = v; return this; }
        /**
         * The host the Raft transport binds (null: this node's host in the peers); for a one-node group
         * (bootstrap, no peers) also {@code host:port} or {@code :port}, which is then the node's address.
         */
        public Builder clusterListen(String v) { clusterListen = v; return this; }
        public Builder clusterElectionTimeout(Duration v) { clusterElectionTimeout = v; return this; }
        /** The leader answers node.add / node.remove requests (the original's cluster_allow_add_remove_node). */
        public Builder clusterAllowAddRemove(boolean v) { clusterAllowAddRemove = v; return this; }
        public Builder storeType(StoreType v) { storeType = v; return this; }
        public Builder dir(Path v) { dir = v; return this; }
        public Builder natsUrls(List<String> v) { natsUrls = v; return this; }
        public Builder natsUrl(String v) { natsUrls = List.of(v); return this; }
        public Builder hbInterval(Duration v) { hbInterval = v; return this; }
        public Builder hbTimeout(Duration v) { hbTimeout = v; return this; }
        public Builder hbFailCount(int v) { hbFailCount = v; return this; }
        public Builder fileSync(boolean v) { fileSync = v; return this; }
        public Builder replaceDurable(boolean v) { replaceDurable = v; return this; }
        public Builder encrypt(boolean v) { encrypt = v; return this; }
        public Builder encryptionCipher(String v) { encryptionCipher = v; return this; }
        public Builder encryptionKey(String v) { encryptionKey = v; return this; }
        /** Where the {@code NATS_STREAMING_ENCRYPTION_KEY} variable is looked up (tests); the process environment. */
        public Builder environment(java.util.function.UnaryOperator<String> v) { environment = v; return this; }
        public Builder fileTruncateBadEof(boolean v) { fileTruncateBadEof = v; return this; }
        public Builder fileRollCycle(String v) { fileRollCycle = v; return this; }
        public Builder fileMinFree(long v) { fileMinFree = v; return this; }
        /** Global max number of channels (0 = unlimited). */
        public Builder maxChannels(int v) { limits.maxChannels(v); return this; }
        /** Global default of subscriptions per channel (0 = unlimited). */
        public Builder maxSubs(int v) { limits.maxSubs(v); return this; }
        /** Global default of messages per channel (0 = unlimited). */
        public Builder maxMsgs(long v) { limits.maxMsgs(v); return this; }
        /** Global default of bytes per channel (0 = unlimited). */
        public Builder maxBytes(long v) { limits.maxBytes(v); return this; }
        /** Global default message age (0 = unlimited). */
        public Builder maxAge(Duration v) { limits.maxAge(v); return this; }
        /** Global default channel inactivity before deletion (0 = never). */
        public Builder maxInactivity(Duration v) { limits.maxInactivity(v); return this; }
        /** Replaces all the limits (global and per-channel). */
        public Builder storeLimits(StoreLimits v) { limits = v.toBuilder(); return this; }
        /** The limits being built, to add per-channel entries or change global values in place. */
        public StoreLimits.Builder limits() { return limits; }
        public Builder discoverPrefix(String v) { discoverPrefix = v; return this; }
        public Builder ioBatchSize(int v) { ioBatchSize = v; return this; }
        public Builder inboundMaxBytes(long v) { inboundMaxBytes = v; return this; }
        public Builder diskOps(io.stanchion.store.DiskOps v) { diskOps = java.util.Objects.requireNonNull(v); return this; }
        public Builder debug(boolean v) { debug = v; return this; }
        public Builder trace(boolean v) { trace = v; return this; }
        public Builder natsUser(String v) { natsUser = v; return this; }
        public Builder natsPassword(String v) { natsPassword = v; return this; }
        public Builder natsToken(String v) { natsToken = v; return this; }
        public Builder natsCredentials(Path v) { natsCredentials = v; return this; }
        public Builder nkeySeedFile(Path v) { nkeySeedFile = v; return this; }
        public Builder secure(boolean v) { secure = v; return this; }
        public Builder tlsClientCert(Path v) { tlsClientCert = v; return this; }
        public Builder tlsClientKey(Path v) { tlsClientKey = v; return this; }
        public Builder tlsClientCa(Path v) { tlsClientCa = v; return this; }
        public Builder tlsServerName(String v) { tlsServerName = v; return this; }
        public Builder tlsSkipVerify(boolean v) { tlsSkipVerify = v; return this; }
        /** Records a configuration file that was loaded. */
        public Builder configFile(Path v) { configFiles.add(v); return this; }
        /** Records a non-fatal remark about the configuration, logged at startup (URL passwords redacted). */
        public Builder warning(String v) { warnings.add(Redaction.urls(v)); return this; }
        public Builder httpPort(int v) { httpPort = v; return this; }
        public Builder httpHost(String v) { httpHost = v; return this; }
        public Builder httpJsonp(boolean v) { httpJsonp = v; return this; }
        /** Extra hosts the monitoring server accepts in a Host header ({@code *}: any). */
        public Builder httpAllowedHosts(List<String> v) { httpAllowedHosts = v; return this; }
        /** {@link #httpAllowedHosts(List)} from a comma-separated list. */
        public Builder httpAllowedHosts(String commaList) {
            List<String> hosts = new ArrayList<>();
            for (String h : commaList.split(",")) {
                if (!h.isBlank()) {
                    hosts.add(h.trim().toLowerCase(java.util.Locale.ROOT));
                }
            }
            httpAllowedHosts = hosts;
            return this;
        }

        /**
         * The encryption key when -encrypt is on (the environment variable wins over -encryption_key, as in the
         * original); the cipher name is checked even when it is off. A configured key is used once and dropped.
         */
        private void buildEncryption() {
            io.stanchion.store.crypto.EncryptionKey.cipherCode(encryptionCipher);
            if (!encrypt) {
                builtEncryption = null;
            } else if (encryptionKey != null || builtEncryption == null) { // else: a copy keeps its key
                builtEncryption = io.stanchion.store.crypto.EncryptionKey.of(encryptionCipher,
                        encryptionKey == null ? null : encryptionKey.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        environment.apply(io.stanchion.store.crypto.EncryptionKey.ENV_VARIABLE));
                encryptionKey = null;
            }
        }

        /** Validates and freezes; a violation is an IllegalArgumentException whose message is one line for the user. */
        public ServerConfig build() {
            if (clusterId == null || !clusterId.matches("[a-zA-Z0-9_-]+")) {
                throw new IllegalArgumentException("invalid cluster ID \"" + clusterId
                        + "\": only alphanumeric and `-` or `_` characters allowed");
            }
            if (storeType == StoreType.FILE && dir == null) {
                throw new IllegalArgumentException("for FILE store type, the directory (--dir) must be specified");
            }
            if (natsUrls.isEmpty()) {
                throw new IllegalArgumentException("at least one NATS server URL is required (-ns)");
            }
            positive("hb_interval", hbInterval);
            positive("hb_timeout", hbTimeout);
            if (hbFailCount < 0) {
                throw new IllegalArgumentException("hb_fail_count can't be negative");
            }
            builtLimits = limits.build();
            buildEncryption();
            if (discoverPrefix == null || discoverPrefix.isEmpty()
                    || StoreLimits.invalidNameReason(discoverPrefix) != null
                    || !StoreLimits.isLiteral(discoverPrefix)) {
                throw new IllegalArgumentException("invalid discover prefix \"" + discoverPrefix
                        + "\": must be a subject without wildcards");
            }
            if ((tlsClientCert == null) != (tlsClientKey == null)) {
                throw new IllegalArgumentException(tlsClientCert == null
                        ? "tls_client_key is set but tls_client_cert is not: both are needed"
                        : "tls_client_cert is set but tls_client_key is not: both are needed");
            }
            if (natsCredentials != null && nkeySeedFile != null) {
                throw new IllegalArgumentException("credentials and nkey_seed_file can't both be used");
            }
            if (tlsServerName != null && tlsServerName.isBlank()) {
                throw new IllegalArgumentException("TLS server name can't be empty");
            }
            if (httpPort < 0 || httpPort > 65535) {
                throw new IllegalArgumentException("http_port must be between 0 and 65535");
            }
            if (ioBatchSize < 1) {
                throw new IllegalArgumentException("io_batch_size must be at least 1");
            }
            if (inboundMaxBytes < 1) {
                throw new IllegalArgumentException("the inbound queue's byte bound must be at least 1");
            }
            if (clustered && storeType != StoreType.FILE) {
                throw new IllegalArgumentException("clustered mode requires the FILE store (-store file -dir <path>)");
            }
            if (ftGroup != null && clustered) {
                throw new IllegalArgumentException("fault tolerance (ft_group) and clustering can't be used together");
            }
            if (ftGroup != null && storeType != StoreType.FILE) {
                throw new IllegalArgumentException("fault tolerance (ft_group) needs the FILE store, shared by the "
                        + "group's servers (-store file -dir <shared path>)");
            }
            if (ftGroup != null && !StoreLimits.isLiteral(ftGroup)) {
                throw new IllegalArgumentException("invalid ft_group \"" + ftGroup + "\": must be a subject token "
                        + "without wildcards");
            }
            if (partitioning && clustered) {
                throw new IllegalArgumentException("stan: channels partitioning in clustering mode is not supported");
            }
            if (partitioning && builtLimits.perChannel().isEmpty()) {
                throw new IllegalArgumentException("stan: no configured channel (partitioning serves the channels "
                        + "of store_limits.channels)");
            }
            builtCluster = clustered ? buildCluster() : null;
            if (!clustered) {
                warnUnusedClusterOptions();
            }
            return new ServerConfig(this);
        }

        private static final String PEER_FORM = "<node_id>@<host>:<port>";

        /**
         * The group: the peers as given, which must include this node; or, with bootstrap and no peers, this node
         * alone at the address of {@code cluster_listen} (host, port or both; default
         * {@link ClusterConfig#DEFAULT_BOOTSTRAP_HOST}:{@link ClusterConfig#DEFAULT_BOOTSTRAP_PORT}).
         */
        private ClusterConfig buildCluster() {
            if (clusterNodeId == null || clusterNodeId.isBlank()) {
                throw new IllegalArgumentException("clustered mode requires a node ID (-cluster_node_id)");
            }
            if (!ClusterConfig.isValidNodeId(clusterNodeId)) {
                throw new IllegalArgumentException("invalid cluster node ID \"" + clusterNodeId + "\": "
                        + ClusterConfig.NODE_ID_RULE);
            }
            String[] listen = clusterListen == null ? null : listenHostPort(clusterListen);
            List<ClusterConfig.Peer> peers = clusterPeers;
            if (peers.isEmpty() && clusterBootstrap) {
                String host = listen == null || listen[0] == null ? ClusterConfig.DEFAULT_BOOTSTRAP_HOST : listen[0];
                int port = listen == null || listen[1] == null ? ClusterConfig.DEFAULT_BOOTSTRAP_PORT
                        : Integer.parseInt(listen[1]);
                peers = List.of(new ClusterConfig.Peer(clusterNodeId, host, port));
            } else if (peers.isEmpty()) {
                throw new IllegalArgumentException("clustered mode needs cluster_peers (every node, this one "
                        + "included, as " + PEER_FORM + "), or cluster_bootstrap for a one-node cluster");
            } else {
                if (peers.stream().noneMatch(p -> p.id().equals(clusterNodeId))) {
                    throw new IllegalArgumentException("cluster node \"" + clusterNodeId + "\" is not in "
                            + "cluster_peers (list every node, this one included, as " + PEER_FORM + ")");
                }
                if (clusterBootstrap && peers.size() > 1) {
                    throw new IllegalArgumentException("cluster_bootstrap forms a one-node cluster: it can't be "
                            + "used with other nodes in cluster_peers (with peers, every node starts from the "
                            + "same list; no bootstrap needed)");
                }
                if (listen != null && listen[1] != null) {
                    throw new IllegalArgumentException("cluster_listen \"" + clusterListen + "\" has a port: "
                            + "give the host only, this node's port is the one of its cluster_peers entry");
                }
            }
            ClusterConfig.Peer self = peers.stream().filter(p -> p.id().equals(clusterNodeId)).findFirst()
                    .orElseThrow();
            String listenHost = listen != null && listen[0] != null ? listen[0] : self.host();
            Path logPath = clusterLogPath != null ? clusterLogPath : dir.resolve("_raft");
            if (clusterElectionTimeout.compareTo(ClusterConfig.MIN_ELECTION_TIMEOUT) < 0) {
                throw new IllegalArgumentException("cluster election timeout must be at least "
                        + Durations.format(ClusterConfig.MIN_ELECTION_TIMEOUT) + ", got "
                        + Durations.format(clusterElectionTimeout));
            }
            return new ClusterConfig(clusterNodeId, peers, clusterBootstrap, logPath, clusterSync,
                    clusterRaftLogging, listenHost, clusterElectionTimeout, clusterAllowAddRemove);
        }

        /**
         * {@code cluster_listen} as {host, port}, either null: {@code host}, {@code host:port}, {@code :port},
         * {@code [v6]}, {@code [v6]:port}, or a bare IPv6 address (more than one ':'), which is a host.
         */
        private static String[] listenHostPort(String listen) {
            String v = listen.trim();
            String host = v;
            String port = null;
            if (v.startsWith("[")) {
                int close = v.indexOf(']');
                if (close < 0 || (close < v.length() - 1 && v.charAt(close + 1) != ':')) {
                    throw badListen(listen);
                }
                host = v.substring(0, close + 1);
                port = close < v.length() - 1 ? v.substring(close + 2) : null;
            } else if (v.indexOf(':') >= 0 && v.indexOf(':') == v.lastIndexOf(':')) {
                host = v.substring(0, v.indexOf(':'));
                port = v.substring(v.indexOf(':') + 1);
            }
            if (port != null) {
                int p;
                try {
                    p = Integer.parseInt(port);
                } catch (NumberFormatException e) {
                    throw badListen(listen);
                }
                if (p < 1 || p > 65535) {
                    throw badListen(listen);
                }
            }
            if (host.isEmpty()) {
                host = null;
            } else if (host.equals("[]") || !host.matches("[^\\s@,/]+")) {
                throw badListen(listen);
            }
            if (host == null && port == null) {
                throw badListen(listen);
            }
            return new String[] {host, port};
        }

        private static IllegalArgumentException badListen(String listen) {
            return new IllegalArgumentException("invalid cluster_listen \"" + listen + "\": expected a host "
                    + "(or, for a one-node cluster, host:port or :port; port 1-65535)");
        }

        /** Cluster settings given while clustering is off: a warning, as nothing the user asks for is lost silently. */
        private void warnUnusedClusterOptions() {
            List<String> set = new ArrayList<>();
            if (clusterNodeId != null) {
                set.add("cluster_node_id");
            }
            if (!clusterPeers.isEmpty()) {
                set.add("cluster_peers");
            }
            if (clusterBootstrap) {
                set.add("cluster_bootstrap");
            }
            if (clusterLogPath != null) {
                set.add("cluster_log_path");
            }
            if (clusterSync) {
                set.add("cluster_sync");
            }
            if (clusterRaftLogging) {
                set.add("cluster_raft_logging");
            }
            if (clusterListen != null) {
                set.add("cluster_listen");
            }
            if (!ClusterConfig.DEFAULT_ELECTION_TIMEOUT.equals(clusterElectionTimeout)) {
                set.add("cluster_election_timeout");
            }
            if (clusterAllowAddRemove) {
                set.add("cluster_allow_add_remove_node");
            }
            String w = "clustering is off (no -clustered nor cluster { } block): " + String.join(", ", set)
                    + " ignored";
            if (!set.isEmpty() && !warnings.contains(w)) {
                warnings.add(w);
            }
        }

        private static void positive(String name, Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + Durations.format(d));
            }
        }
    }
}
