package io.stanchion.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The one configuration object of a server: immutable, built by {@link Flags} (defaults &lt; flags) and read by
 * every part of the server. Defaults are the original NATS Streaming server's.
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
    /** fsync every batch before its PubAcks are sent. */
    public final boolean fileSync;
    public final boolean replaceDurable;
    /** At startup, cut a torn or corrupt tail of a log or journal instead of refusing to start. */
    public final boolean fileTruncateBadEof;
    /** 0 = unlimited. */
    public final int maxChannels;
    /** Per channel; 0 = unlimited. */
    public final int maxSubs;
    /** Largest number of inbound requests the engine handles as one batch (one flush, one PubAck burst). */
    public final int ioBatchSize;
    public final boolean debug;
    public final boolean trace;
    public final String natsUser;
    public final String natsPassword;
    public final String natsToken;
    /** Monitoring HTTP port; 0 = no monitoring server. */
    public final int httpPort;
    /** Address the monitoring server binds to (loopback unless configured). */
    public final String httpHost;

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
        this.fileTruncateBadEof = b.fileTruncateBadEof;
        this.maxChannels = b.maxChannels;
        this.maxSubs = b.maxSubs;
        this.ioBatchSize = b.ioBatchSize;
        this.debug = b.debug;
        this.trace = b.trace;
        this.natsUser = b.natsUser;
        this.natsPassword = b.natsPassword;
        this.natsToken = b.natsToken;
        this.httpPort = b.httpPort;
        this.httpHost = b.httpHost;
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
        b.fileTruncateBadEof = fileTruncateBadEof;
        b.maxChannels = maxChannels;
        b.maxSubs = maxSubs;
        b.ioBatchSize = ioBatchSize;
        b.debug = debug;
        b.trace = trace;
        b.natsUser = natsUser;
        b.natsPassword = natsPassword;
        b.natsToken = natsToken;
        b.httpPort = httpPort;
        b.httpHost = httpHost;
        return b;
    }

    /** Mutable holder of the values; {@link #build()} validates them. */
    public static final class Builder {
        private String clusterId = "test-cluster";
        private StoreType storeType = StoreType.MEMORY;
        private Path dir;
        private List<String> natsUrls = List.of("nats://127.0.0.1:4222");
        private Duration hbInterval = Duration.ofSeconds(30);
        private Duration hbTimeout = Duration.ofSeconds(10);
        private int hbFailCount = 10;
        private boolean fileSync;
        private boolean replaceDurable;
        private boolean fileTruncateBadEof;
        private int maxChannels = 100;
        private int maxSubs = 1000;
        private int ioBatchSize = 1024;
        private boolean debug;
        private boolean trace;
        private String natsUser;
        private String natsPassword;
        private String natsToken;
        private int httpPort;
        private String httpHost = "127.0.0.1";

        public Builder clusterId(String v) { clusterId = v; return this; }
        public Builder storeType(StoreType v) { storeType = v; return this; }
        public Builder dir(Path v) { dir = v; return this; }
        public Builder natsUrls(List<String> v) { natsUrls = v; return this; }
        public Builder natsUrl(String v) { natsUrls = List.of(v); return this; }
        public Builder hbInterval(Duration v) { hbInterval = v; return this; }
        public Builder hbTimeout(Duration v) { hbTimeout = v; return this; }
        public Builder hbFailCount(int v) { hbFailCount = v; return this; }
        public Builder fileSync(boolean v) { fileSync = v; return this; }
        public Builder replaceDurable(boolean v) { replaceDurable = v; return this; }
        public Builder fileTruncateBadEof(boolean v) { fileTruncateBadEof = v; return this; }
        public Builder maxChannels(int v) { maxChannels = v; return this; }
        public Builder maxSubs(int v) { maxSubs = v; return this; }
        public Builder ioBatchSize(int v) { ioBatchSize = v; return this; }
        public Builder debug(boolean v) { debug = v; return this; }
        public Builder trace(boolean v) { trace = v; return this; }
        public Builder natsUser(String v) { natsUser = v; return this; }
        public Builder natsPassword(String v) { natsPassword = v; return this; }
        public Builder natsToken(String v) { natsToken = v; return this; }
        public Builder httpPort(int v) { httpPort = v; return this; }
        public Builder httpHost(String v) { httpHost = v; return this; }

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
            if (maxChannels < 0 || maxSubs < 0) {
                throw new IllegalArgumentException("limits can't be negative");
            }
            if (httpPort < 0 || httpPort > 65535) {
                throw new IllegalArgumentException("http_port must be between 0 and 65535");
            }
            if (ioBatchSize < 1) {
                throw new IllegalArgumentException("io_batch_size must be at least 1");
            }
            return new ServerConfig(this);
        }

        private static void positive(String name, Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + Durations.format(d));
            }
        }
    }
}
