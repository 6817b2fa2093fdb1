package io.stanchion.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FlagsTest {

    @TempDir
    Path dir;

    @Test
    void defaultsAreTheOriginals() {
        ServerConfig c = Flags.parse();
        assertThat(c.clusterId).isEqualTo("test-cluster");
        assertThat(c.storeType).isEqualTo(ServerConfig.StoreType.MEMORY);
        assertThat(c.natsUrls).containsExactly("nats://127.0.0.1:4222");
        assertThat(c.hbInterval).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.hbTimeout).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.hbFailCount).isEqualTo(10);
        assertThat(c.maxChannels).isEqualTo(100);
        assertThat(c.maxSubs).isEqualTo(1000);
        assertThat(c.storeLimits).isEqualTo(StoreLimits.DEFAULT);
        assertThat(c.discoverPrefix).isEqualTo("_STAN.discover");
        assertThat(c.discoverSubject()).isEqualTo("_STAN.discover.test-cluster");
        assertThat(c.ioBatchSize).isEqualTo(1024);
        assertThat(c.tlsEnabled()).isFalse();
        assertThat(c.httpPort).isZero();
        assertThat(c.httpHost).isEqualTo("127.0.0.1");
        assertThat(c.configFiles).isEmpty();
        assertThat(c.warnings).isEmpty();
    }

    @Test
    void everyStreamingFlagInShortAndLongForm() {
        for (String n : List.of("-cid", "--cid", "--cluster_id", "-cluster_id")) {
            assertThat(Flags.parse(n, "abc").clusterId).as(n).isEqualTo("abc");
            assertThat(Flags.parse(n + "=abc").clusterId).as(n).isEqualTo("abc");
        }
        for (String n : List.of("-st", "--store")) {
            assertThat(Flags.parse(n, "file", "--dir", "/d").storeType).isEqualTo(ServerConfig.StoreType.FILE);
            assertThat(Flags.parse(n, "Memory").storeType).isEqualTo(ServerConfig.StoreType.MEMORY);
        }
        assertThat(Flags.parse("-st", "FILE", "-dir", "/x").dir).isEqualTo(Path.of("/x"));
        for (String n : List.of("-ns", "--nats_server")) {
            assertThat(Flags.parse(n, "nats://a:1, nats://b:2").natsUrls).containsExactly("nats://a:1",
                    "nats://b:2");
        }
        for (String n : List.of("-mc", "--max_channels")) {
            assertThat(Flags.parse(n, "7").maxChannels).isEqualTo(7);
            assertThat(Flags.parse(n, "7").storeLimits.maxChannels()).isEqualTo(7);
        }
        for (String n : List.of("-msu", "--max_subs")) {
            assertThat(Flags.parse(n, "8").maxSubs).isEqualTo(8);
            assertThat(Flags.parse(n, "8").storeLimits.defaults().maxSubs()).isEqualTo(8);
        }
        for (String n : List.of("-mm", "--max_msgs")) {
            assertThat(Flags.parse(n, "9").storeLimits.defaults().maxMsgs()).isEqualTo(9);
        }
        for (String n : List.of("-mb", "--max_bytes")) {
            assertThat(Flags.parse(n, "1GB").storeLimits.defaults().maxBytes()).isEqualTo(1L << 30);
        }
        for (String n : List.of("-ma", "--max_age")) {
            assertThat(Flags.parse(n, "1h30m").storeLimits.defaults().maxAge()).isEqualTo(Duration.ofMinutes(90));
        }
        for (String n : List.of("-mi", "--max_inactivity")) {
            assertThat(Flags.parse(n, "10m").storeLimits.defaults().maxInactivity())
                    .isEqualTo(Duration.ofMinutes(10));
        }
        for (String n : List.of("-hbi", "--hb_interval")) {
            assertThat(Flags.parse(n, "500ms").hbInterval).isEqualTo(Duration.ofMillis(500));
        }
        for (String n : List.of("-hbt", "--hb_timeout")) {
            assertThat(Flags.parse(n, "2s").hbTimeout).isEqualTo(Duration.ofSeconds(2));
        }
        for (String n : List.of("-hbf", "--hb_fail_count")) {
            assertThat(Flags.parse(n, "3").hbFailCount).isEqualTo(3);
        }
        assertThat(Flags.parse("--discover_prefix", "_X.disc").discoverPrefix).isEqualTo("_X.disc");
        assertThat(Flags.parse("--io_batch_size", "16").ioBatchSize).isEqualTo(16);
        assertThat(Flags.parse("--replace_durable").replaceDurable).isTrue();
        assertThat(Flags.parse("--file_sync").fileSync).isTrue();
        assertThat(Flags.parse().fileSync).as("default, as the original").isTrue();
        assertThat(Flags.parse("--file_sync=false").fileSync).isFalse();
        assertThat(Flags.parse().fileMinFree).isEqualTo(64L << 20);
        assertThat(Flags.parse("--file_min_free", "1GB").fileMinFree).isEqualTo(1L << 30);
        assertThat(Flags.parse("--file_truncate_bad_eof").fileTruncateBadEof).isTrue();
    }

    @Test
    void loggingFlags() {
        assertThat(Flags.parse("-SD").debug).isTrue();
        assertThat(Flags.parse("--stan_debug").debug).isTrue();
        assertThat(Flags.parse("-SV").trace).isTrue();
        assertThat(Flags.parse("--stan_trace=true").trace).isTrue();
        ServerConfig sdv = Flags.parse("-SDV");
        assertThat(sdv.debug && sdv.trace).isTrue();
        ServerConfig dv = Flags.parse("-DV");
        assertThat(dv.debug && dv.trace).isTrue();
        ServerConfig off = Flags.parse("-SDV", "-SDV=false");
        assertThat(off.debug || off.trace).isFalse();
    }

    @Test
    void tlsAuthAndMonitoringFlags() {
        ServerConfig c = Flags.parse("-secure", "-tls_client_cert", "/c.pem", "--tls_client_key=/k.pem",
                "-tls_client_cacert", "/ca.pem", "--user", "u", "--pass", "p", "-m", "8222", "-mh", "0.0.0.0");
        assertThat(c.secure).isTrue();
        assertThat(c.tlsEnabled()).isTrue();
        assertThat(c.tlsClientCert).isEqualTo(Path.of("/c.pem"));
        assertThat(c.tlsClientKey).isEqualTo(Path.of("/k.pem"));
        assertThat(c.tlsClientCa).isEqualTo(Path.of("/ca.pem"));
        assertThat(c.natsUser).isEqualTo("u");
        assertThat(c.natsPassword).isEqualTo("p");
        assertThat(c.httpPort).isEqualTo(8222);
        assertThat(c.httpHost).isEqualTo("0.0.0.0");
        assertThat(Flags.parse("--auth", "tok").natsToken).isEqualTo("tok");
        assertThat(Flags.parse("--http_port=9", "--http_host=h").httpPort).isEqualTo(9);
        assertThat(Flags.parse().httpJsonp).as("JSONP off by default").isFalse();
        assertThat(Flags.parse("--http_jsonp").httpJsonp).isTrue();
        assertThat(Flags.parse().httpAllowedHosts).isEmpty();
        assertThat(Flags.parse("--http_allowed_hosts", " Mon.example , stanchion,").httpAllowedHosts)
                .containsExactly("mon.example", "stanchion");
        assertThat(Flags.parse("-secure=false").tlsEnabled()).isFalse();
        assertThatThrownBy(() -> Flags.parse("-tls_client_cert", "/c.pem"))
                .hasMessage("tls_client_cert is set but tls_client_key is not: both are needed");
    }

    @Test
    void goStyleBooleans() {
        assertThat(Flags.parse("-replace_durable=false").replaceDurable).isFalse();
        assertThat(Flags.parse("--replace_durable=1").replaceDurable).isTrue();
        assertThat(Flags.parse("--replace_durable=T").replaceDurable).isTrue();
        assertThat(Flags.parse("--file_sync", "--file_sync=false").fileSync).isFalse();
        assertThatThrownBy(() -> Flags.parse("-SD=maybe")).hasMessage("invalid boolean value \"maybe\" for flag -SD");
        // a boolean flag does not take the next argument
        assertThatThrownBy(() -> Flags.parse("-SD", "false"))
                .hasMessage("unexpected argument \"false\" (see --help)");
    }

    @Test
    void sizesAndDurations() {
        assertThat(Flags.parse("-mb", "1024").storeLimits.defaults().maxBytes()).isEqualTo(1024);
        assertThat(Flags.parse("-mb", "1KB").storeLimits.defaults().maxBytes()).isEqualTo(1024);
        assertThat(Flags.parse("-mb", "1K").storeLimits.defaults().maxBytes()).as("NATS: K = 1000").isEqualTo(1000);
        assertThat(Flags.parse("-mb", "10MB").storeLimits.defaults().maxBytes()).isEqualTo(10L << 20);
        assertThat(Flags.parse("-mb", "2GiB").storeLimits.defaults().maxBytes()).isEqualTo(2L << 30);
        assertThat(Flags.parse("-mb", "0").storeLimits.defaults().maxBytes()).isZero();
        assertThat(Flags.parse("-ma", "0").storeLimits.defaults().maxAge()).isZero();
        assertThat(Flags.parse("-ma", "1.5h").storeLimits.defaults().maxAge()).isEqualTo(Duration.ofMinutes(90));
        assertThat(Flags.parse("-hbi", "1m30s").hbInterval).isEqualTo(Duration.ofSeconds(90));
        assertThatThrownBy(() -> Flags.parse("-mb", "lots"))
                .hasMessage("invalid value \"lots\" for flag -mb: invalid size \"lots\"");
        assertThatThrownBy(() -> Flags.parse("-ma", "1x"))
                .hasMessage("invalid value \"1x\" for flag -ma: invalid duration \"1x\"");
        assertThatThrownBy(() -> Flags.parse("-mb", "-1"))
                .hasMessage("invalid value \"-1\" for flag -mb: can't be negative");
        assertThatThrownBy(() -> Flags.parse("-mi", "-1s"))
                .hasMessage("invalid value \"-1s\" for flag -mi: can't be negative");
        assertThatThrownBy(() -> Flags.parse("-mm", "-1"))
                .hasMessage("invalid value \"-1\" for flag -mm: can't be negative");
        assertThatThrownBy(() -> Flags.parse("-mc", "x"))
                .hasMessage("invalid value \"x\" for flag -mc: not an integer");
    }

    @Test
    void usageErrors() {
        assertThatThrownBy(() -> Flags.parse("-nope")).hasMessage("flag provided but not defined: -nope (see --help)");
        assertThatThrownBy(() -> Flags.parse("-cid")).hasMessage("flag needs an argument: -cid");
        assertThatThrownBy(() -> Flags.parse("positional")).hasMessage("unexpected argument \"positional\" (see "
                + "--help)");
        assertThatThrownBy(() -> Flags.parse("-st", "SQL")).hasMessage("invalid value \"SQL\" for flag -st: "
                + "unsupported store type \"SQL\" (MEMORY or FILE)");
        assertThatThrownBy(() -> Flags.parse("-st", "FILE")).hasMessage("for FILE store type, the directory (--dir) "
                + "must be specified");
        assertThatThrownBy(() -> Flags.parse("--discover_prefix", "a.*")).hasMessageStartingWith("invalid discover "
                + "prefix");
    }

    @Test
    void help() {
        assertThatThrownBy(() -> Flags.parse("-h")).isInstanceOf(Flags.HelpRequested.class);
        assertThatThrownBy(() -> Flags.parse("-cid", "x", "--help")).isInstanceOf(Flags.HelpRequested.class);
        assertThatThrownBy(() -> Flags.parse("--help", "-sc", "/does/not/exist"))
                .as("help before loading any file").isInstanceOf(Flags.HelpRequested.class);
        for (String flag : List.of("-cid", "--cluster_id", "-st", "--store", "--dir", "-ns", "--nats_server", "-mc",
                "--max_channels", "-msu", "--max_subs", "-mm", "--max_msgs", "-mb", "--max_bytes", "-ma",
                "--max_age", "-mi", "--max_inactivity", "-hbi", "--hb_interval", "-hbt", "--hb_timeout", "-hbf",
                "--hb_fail_count", "--file_sync", "--file_truncate_bad_eof", "--replace_durable", "-sc",
                "--stan_config", "-c", "--config", "-m", "--http_port", "-mh", "--http_host", "--user", "--pass",
                "--auth", "-secure", "-tls_client_cert", "-tls_client_key", "-tls_client_cacert",
                "--discover_prefix", "--io_batch_size", "-SD", "--stan_debug", "-SV", "--stan_trace", "-SDV", "-DV",
                "-h", "--help", "--file_compact_enabled", "--io_sleep_time", "-clustered", "-cluster_node_id",
                "-cluster_peers", "-cluster_bootstrap", "-cluster_log_path", "-cluster_sync", "-cluster_raft_logging",
                "-cluster_listen", "-cluster_election_timeout", "-cluster_log_cache_size", "-cluster_log_snapshots",
                "-cluster_trailing_logs", "-cluster_allow_add_remove_node", "-cluster_proceed_on_restore_failure")) {
            assertThat(Flags.USAGE).as(flag).containsPattern("(^|[\\s,])" + java.util.regex.Pattern.quote(flag)
                    + "([\\s,=]|$)");
        }
        assertThat(Flags.USAGE).contains("Streaming Server Options:", "Streaming Server File Store Options:",
                "Streaming Server TLS Options", "Streaming Server Logging Options:", "Monitoring Options:",
                "Configuration Files:", "Common Options:", "Streaming Server Clustering Options:");
    }

    @Test
    void precedenceDefaultsThenFileThenFlagsWhereverTheFileFlagIs() throws IOException {
        Path conf = write("stan.conf", """
                streaming {
                  cluster_id: from-file
                  hb_fail_count: 3
                  store_limits {
                    max_msgs: 500
                    max_subs: 5
                    channels { "foo.>": { max_msgs: 7 } }
                  }
                }
                """);
        for (List<String> args : List.of(
                List.of("-sc", conf.toString(), "-cid", "from-flag", "-mm", "600"),
                List.of("-cid", "from-flag", "-mm", "600", "--stan_config", conf.toString()))) {
            ServerConfig c = Flags.parse(args.toArray(String[]::new));
            assertThat(c.clusterId).as("flag beats file").isEqualTo("from-flag");
            assertThat(c.hbFailCount).as("file beats default").isEqualTo(3);
            assertThat(c.storeLimits.defaults().maxMsgs()).isEqualTo(600);
            assertThat(c.maxSubs).isEqualTo(5);
            assertThat(c.storeLimits.forChannel("foo.bar").maxMsgs()).as("per-channel entry kept").isEqualTo(7);
            assertThat(c.hbInterval).as("default").isEqualTo(Duration.ofSeconds(30));
            assertThat(c.configFiles).containsExactly(conf);
        }
    }

    @Test
    void natsConfigAloneIsReadForStreamingToo() throws IOException {
        Path conf = write("nats.conf", "port: 4333\nhttp_port: 8333\nstreaming { cluster_id: via-c }\n");
        ServerConfig c = Flags.parse("-c", conf.toString());
        assertThat(c.clusterId).isEqualTo("via-c");
        assertThat(c.natsUrls).containsExactly("nats://127.0.0.1:4333");
        assertThat(c.httpPort).isEqualTo(8333);
        assertThat(Flags.parse("--config", conf.toString(), "-m", "9000").httpPort).isEqualTo(9000);
    }

    @Test
    void bothFilesEachForItsModule() throws IOException {
        Path nats = write("nats.conf", "port: 4333\nhttp_port: 8333\nstreaming { cluster_id: from-nats-file }\n");
        Path stan = write("stan.conf", "streaming { cluster_id: from-stan-file, hb_fail_count: 4 }\n");
        ServerConfig c = Flags.parse("-c", nats.toString(), "-sc", stan.toString());
        assertThat(c.clusterId).isEqualTo("from-stan-file");
        assertThat(c.hbFailCount).isEqualTo(4);
        assertThat(c.httpPort).as("NATS keys of -c still apply").isEqualTo(8333);
        assertThat(c.natsUrls).containsExactly("nats://127.0.0.1:4333");
        assertThat(c.configFiles).containsExactly(nats, stan);
    }

    @Test
    void fileErrorsSurfaceWithFileAndLine() throws IOException {
        Path conf = write("bad.conf", "streaming {\n  store_limits {\n    max_msg: 10\n  }\n}\n");
        assertThatThrownBy(() -> Flags.parse("-sc", conf.toString()))
                .hasMessage("config file " + conf + " line 3: unknown key \"max_msg\" in store_limits (did you mean "
                        + "\"max_msgs\"?)");
        assertThatThrownBy(() -> Flags.parse("-sc", dir.resolve("missing.conf").toString()))
                .hasMessageContaining("can't be read");
    }

    @Test
    void tooManyChannelsFromTheFileCanBeFixedByAFlag() throws IOException {
        Path conf = write("limits.conf", "store_limits {\n max_channels: 1\n channels {\n a: {max_msgs: 1}\n"
                + " b: {max_msgs: 1}\n }\n}\n");
        assertThatThrownBy(() -> Flags.parse("-sc", conf.toString()))
                .hasMessage("config file " + conf + " line 3: too many channels defined in per-channel limits (2 "
                        + "literal names), the max_channels limit is set to 1");
        assertThat(Flags.parse("-sc", conf.toString(), "-mc", "2").storeLimits.perChannel()).hasSize(2);
    }

    @Test
    void originalFileStoreTuningFlagsAreAcceptedWithWarnings() {
        ServerConfig c = Flags.parse("--file_compact_enabled=false", "--file_compact_frag", "50",
                "--file_compact_interval", "300", "--file_compact_min_size", "1MB", "--file_buffer_size", "2MB",
                "--file_crc", "--file_crc_poly", "3988292384", "--file_slice_max_msgs", "0",
                "--file_slice_max_bytes", "64MB", "--file_slice_max_age", "1h", "--file_slice_archive_script", "x",
                "--file_fds_limit", "0", "--file_parallel_recovery", "1", "--file_read_buffer_size", "2MB",
                "--file_auto_sync", "1m", "--io_sleep_time", "0");
        assertThat(c.warnings).hasSize(16);
        assertThat(c.warnings.get(0)).isEqualTo("flag -file_compact_enabled tunes the original's file store and has "
                + "no effect on Stanchion; ignored");
        assertThatThrownBy(() -> Flags.parse("--file_buffer_size", "big"))
                .hasMessage("invalid value \"big\" for flag -file_buffer_size: invalid size \"big\"");
    }

    // ---------------------------------------------------------------- partitioning

    @Test
    void partitioningFlag() throws IOException {
        Path conf = write("part.conf", "store_limits { channels { \"orders.*\": {} } }\n");
        ServerConfig c = Flags.parse("-partitioning", "-sc", conf.toString());
        assertThat(c.partitioning).isTrue();
        assertThat(Flags.parse("--partitioning=true", "-sc", conf.toString()).partitioning).isTrue();
        assertThat(Flags.parse("-sc", conf.toString()).partitioning).isFalse();
        assertThat(Flags.USAGE).contains("-partitioning");
        assertThatThrownBy(() -> Flags.parse("-partitioning")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("stan: no configured channel");
        assertThatThrownBy(() -> clustered("-partitioning", "-sc", conf.toString(), "-clustered",
                "-cluster_node_id", "a", "-cluster_peers", "a@h1:1,b@h2:2"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("stan: channels partitioning in clustering mode is not supported");
    }

    // ---------------------------------------------------------------- clustering

    private static final String[] FILE_STORE = {"-st", "file", "--dir", "/data"};

    private static ServerConfig clustered(String... args) {
        String[] all = java.util.Arrays.copyOf(FILE_STORE, FILE_STORE.length + args.length);
        System.arraycopy(args, 0, all, FILE_STORE.length, args.length);
        return Flags.parse(all);
    }

    @Test
    void clusteringFlagsParseIntoClusterConfig() {
        assertThat(Flags.parse(FILE_STORE).cluster).as("not clustered by default").isNull();
        for (String dash : List.of("-", "--")) {
            ServerConfig c = clustered(dash + "clustered", dash + "cluster_node_id", "b", dash + "cluster_peers",
                    "a@10.0.0.1:6322, b@10.0.0.2:6323,c@[::1]:6324", dash + "cluster_log_path", "/raft",
                    dash + "cluster_sync", dash + "cluster_raft_logging=true", dash + "cluster_listen", "0.0.0.0",
                    dash + "cluster_election_timeout", "1500ms");
            ClusterConfig cl = c.cluster;
            assertThat(cl.nodeId()).isEqualTo("b");
            assertThat(cl.peers()).containsExactly(new ClusterConfig.Peer("a", "10.0.0.1", 6322),
                    new ClusterConfig.Peer("b", "10.0.0.2", 6323), new ClusterConfig.Peer("c", "[::1]", 6324));
            assertThat(cl.self().address()).isEqualTo("10.0.0.2:6323");
            assertThat(cl.bootstrap()).isFalse();
            assertThat(cl.logPath()).isEqualTo(Path.of("/raft"));
            assertThat(cl.sync()).isTrue();
            assertThat(cl.raftLogging()).isTrue();
            assertThat(cl.listenHost()).isEqualTo("0.0.0.0");
            assertThat(cl.electionTimeout()).isEqualTo(Duration.ofMillis(1500));
            assertThat(c.warnings).isEmpty();
        }
        ServerConfig c = clustered("-clustered", "-cluster_node_id", "a", "-cluster_peers", "a@h1:1,b@h2:2");
        assertThat(c.cluster.logPath()).isEqualTo(Path.of("/data", "_raft"));
        assertThat(c.cluster.listenHost()).isEqualTo("h1");
        assertThat(c.cluster.sync()).isFalse();
        assertThat(c.cluster.raftLogging()).isFalse();
        assertThat(c.cluster.electionTimeout()).isEqualTo(ClusterConfig.DEFAULT_ELECTION_TIMEOUT);
        assertThat(c.toBuilder().build().cluster).as("round trip").isEqualTo(c.cluster);
        assertThat(Flags.parse(c.toBuilder(), "-cluster_sync").cluster.sync()).isTrue();
        assertThat(Flags.parse(c.toBuilder(), "-clustered=false").cluster).isNull();
    }

    @Test
    void aBootstrapNodeWithoutPeersIsAOneNodeCluster() {
        ServerConfig c = clustered("-clustered", "-cluster_node_id", "solo", "-cluster_bootstrap");
        assertThat(c.cluster.peers()).containsExactly(new ClusterConfig.Peer("solo", ClusterConfig.DEFAULT_BOOTSTRAP_HOST,
                ClusterConfig.DEFAULT_BOOTSTRAP_PORT));
        assertThat(c.cluster.bootstrap()).isTrue();
        assertThat(c.cluster.listenHost()).isEqualTo("127.0.0.1");
        assertThat(c.toBuilder().build().cluster).as("round trip").isEqualTo(c.cluster);
        assertThat(clustered("-clustered", "-cluster_node_id", "s", "-cluster_bootstrap", "-cluster_listen",
                "0.0.0.0:7000").cluster.self()).isEqualTo(new ClusterConfig.Peer("s", "0.0.0.0", 7000));
        assertThat(clustered("-clustered", "-cluster_node_id", "s", "-cluster_bootstrap", "-cluster_listen",
                ":7000").cluster.self()).isEqualTo(new ClusterConfig.Peer("s", "127.0.0.1", 7000));
        assertThat(clustered("-clustered", "-cluster_node_id", "s", "-cluster_bootstrap", "-cluster_listen",
                "[::1]:7000").cluster.self()).isEqualTo(new ClusterConfig.Peer("s", "[::1]", 7000));
        ServerConfig host = clustered("-clustered", "-cluster_node_id", "s", "-cluster_bootstrap", "-cluster_listen",
                "10.1.1.1");
        assertThat(host.cluster.self()).isEqualTo(new ClusterConfig.Peer("s", "10.1.1.1", 6322));
        // its own entry may also be given as its only peer
        assertThat(clustered("-clustered", "-cluster_node_id", "s", "-cluster_bootstrap", "-cluster_peers",
                "s@h:9").cluster.self()).isEqualTo(new ClusterConfig.Peer("s", "h", 9));
        assertThatThrownBy(() -> clustered("-clustered", "-cluster_node_id", "s", "-cluster_bootstrap",
                "-cluster_peers", "s@h:9,t@h:10")).hasMessageStartingWith("cluster_bootstrap forms a one-node "
                + "cluster: it can't be used with other nodes in cluster_peers");
        assertThatThrownBy(() -> clustered("-clustered", "-cluster_node_id", "s", "-cluster_bootstrap",
                "-cluster_listen", "h:99999")).hasMessage("invalid cluster_listen \"h:99999\": expected a host (or, "
                + "for a one-node cluster, host:port or :port; port 1-65535)");
    }

    @Test
    void badClusteringFlagsAreRefused() {
        assertThatThrownBy(() -> Flags.parse("-clustered", "-cluster_node_id", "a", "-cluster_peers", "a@h:1"))
                .hasMessage("clustered mode requires the FILE store (-store file -dir <path>)");
        assertThatThrownBy(() -> clustered("-clustered", "-cluster_peers", "a@h:1"))
                .hasMessage("clustered mode requires a node ID (-cluster_node_id)");
        assertThatThrownBy(() -> clustered("-clustered", "-cluster_node_id", "a.b", "-cluster_peers", "a@h:1"))
                .hasMessage("invalid cluster node ID \"a.b\": only alphanumeric and `-` or `_` characters allowed");
        assertThatThrownBy(() -> clustered("-clustered", "-cluster_node_id", "a", "-cluster_peers", "a@h:1,b"))
                .hasMessage("invalid value \"a@h:1,b\" for flag -cluster_peers: cluster peer \"b\" needs its Raft "
                        + "address: <node_id>@<host>:<port>");
        assertThatThrownBy(() -> clustered("-clustered", "-cluster_node_id", "a", "-cluster_peers", "a@h:1,a@g:2"))
                .hasMessage("invalid value \"a@h:1,a@g:2\" for flag -cluster_peers: cluster peer \"a\" is listed "
                        + "twice");
        assertThatThrownBy(() -> Flags.parse("-cluster_peers", "a@h:1,b@H:1")).hasMessageEndingWith(
                "cluster peers \"a\" and \"b\" have the same address H:1");
        for (String bad : List.of("a@h", "a@h:0", "a@h:65536", "a@h:x", "a@:1", "a@::1:5", "@h:1", "a b@h:1")) {
            assertThatThrownBy(() -> Flags.parse("-cluster_peers", bad)).as(bad)
                    .hasMessageStartingWith("invalid value \"" + bad + "\" for flag -cluster_peers: cluster peer \""
                            + bad + "\"");
        }
        assertThatThrownBy(() -> Flags.parse("-cluster_peers", "a@::1:5")).hasMessageEndingWith(
                "is not <node_id>@<host>:<port> (an IPv6 host goes in brackets: [::1])");
        assertThatThrownBy(() -> clustered("-clustered", "-cluster_node_id", "c", "-cluster_peers", "a@h:1,b@h:2"))
                .hasMessage("cluster node \"c\" is not in cluster_peers (list every node, this one included, as "
                        + "<node_id>@<host>:<port>)");
        assertThatThrownBy(() -> clustered("-clustered", "-cluster_node_id", "c"))
                .hasMessage("clustered mode needs cluster_peers (every node, this one included, as "
                        + "<node_id>@<host>:<port>), or cluster_bootstrap for a one-node cluster");
        assertThatThrownBy(() -> clustered("-clustered", "-cluster_node_id", "a", "-cluster_peers", "a@h:1",
                "-cluster_listen", "h:2")).hasMessage("cluster_listen \"h:2\" has a port: give the host only, this "
                + "node's port is the one of its cluster_peers entry");
        assertThat(clustered("-clustered", "-cluster_node_id", "a", "-cluster_peers", "a@h:1", "-cluster_listen",
                "fd00::1").cluster.listenHost()).as("a bare IPv6 address is a host").isEqualTo("fd00::1");
        assertThatThrownBy(() -> clustered("-clustered", "-cluster_node_id", "a", "-cluster_peers", "a@h:1",
                "-cluster_election_timeout", "99ms")).hasMessage("cluster election timeout must be at least 100ms, "
                + "got 99ms");
        assertThatThrownBy(() -> clustered("-clustered", "-cluster_node_id", "a", "-cluster_peers", "a@h:1",
                "-cluster_election_timeout", "-1s")).hasMessage("cluster election timeout must be at least 100ms, "
                + "got -1s");
        assertThatThrownBy(() -> Flags.parse("-cluster_election_timeout", "soon"))
                .hasMessageStartingWith("invalid value \"soon\" for flag -cluster_election_timeout: ");
        assertThatThrownBy(() -> Flags.parse("-clustered=maybe"))
                .hasMessage("invalid boolean value \"maybe\" for flag -clustered");
    }

    @Test
    void clusteringOptionsWithoutClusteringWarn() {
        ServerConfig c = Flags.parse("-cluster_node_id", "a", "-cluster_sync", "-cluster_election_timeout", "2s");
        assertThat(c.cluster).isNull();
        assertThat(c.warnings).containsExactly("clustering is off (no -clustered nor cluster { } block): "
                + "cluster_node_id, cluster_sync, cluster_election_timeout ignored");
        assertThat(c.toBuilder().build().warnings).as("not repeated").hasSize(1);
        assertThat(Flags.parse("-cluster_sync=false", "-cluster_election_timeout", "500ms").warnings).isEmpty();
    }

    @Test
    void allowAddRemoveNodeIsARealOption() {
        assertThat(clustered("-clustered", "-cluster_node_id", "a", "-cluster_peers", "a@h:1").cluster
                .allowAddRemove()).isFalse();
        ServerConfig c = clustered("-clustered", "-cluster_node_id", "a", "-cluster_peers", "a@h:1",
                "-cluster_allow_add_remove_node");
        assertThat(c.cluster.allowAddRemove()).isTrue();
        assertThat(c.warnings).isEmpty();
        assertThat(c.toBuilder().build().cluster.allowAddRemove()).isTrue();
        assertThat(clustered("-clustered", "-cluster_node_id", "a", "-cluster_peers", "a@h:1",
                "--cluster_allow_add_remove_node=false").cluster.allowAddRemove()).isFalse();
        assertThat(Flags.parse("-cluster_allow_add_remove_node").warnings).containsExactly("clustering is off (no "
                + "-clustered nor cluster { } block): cluster_allow_add_remove_node ignored");
        assertThat(Flags.USAGE).contains("node.add / .remove");
    }

    @Test
    void originalRaftTuningFlagsAreAcceptedWithWarnings() {
        ServerConfig c = clustered("-clustered", "-cluster_node_id", "a", "-cluster_peers", "a@h:1",
                "-cluster_log_cache_size", "512", "--cluster_log_snapshots", "2", "-cluster_trailing_logs", "10240",
                "--cluster_proceed_on_restore_failure=false");
        assertThat(c.cluster).isNotNull();
        assertThat(c.warnings).hasSize(4);
        assertThat(c.warnings.get(0)).isEqualTo("flag -cluster_log_cache_size tunes the original's Raft and has no "
                + "effect on Stanchion; ignored");
        assertThat(c.warnings.get(1)).startsWith("flag -cluster_log_snapshots ");
        assertThatThrownBy(() -> Flags.parse("-cluster_log_cache_size", "big"))
                .hasMessage("invalid value \"big\" for flag -cluster_log_cache_size: not an integer");
    }

    @Test
    void clusteringFlagsOverrideTheFile() throws IOException {
        Path conf = write("cluster.conf", """
                streaming {
                  store: file
                  dir: "/data"
                  cluster {
                    node_id: a
                    peers: ["a@h1:1", "b@h2:2", "c@h3:3"]
                    sync: true
                    raft_election_timeout: "3s"
                    log_cache_size: 10
                  }
                }
                """);
        ServerConfig file = Flags.parse("-sc", conf.toString());
        assertThat(file.cluster.nodeId()).isEqualTo("a");
        assertThat(file.cluster.sync()).isTrue();
        assertThat(file.warnings).hasSize(1);
        ServerConfig c = Flags.parse("-sc", conf.toString(), "-cluster_node_id", "b", "-cluster_sync=false",
                "-cluster_election_timeout", "500ms", "-cluster_peers", "a@h1:1,b@h2:2");
        assertThat(c.cluster.nodeId()).isEqualTo("b");
        assertThat(c.cluster.peers()).extracting(ClusterConfig.Peer::id).containsExactly("a", "b");
        assertThat(c.cluster.listenHost()).isEqualTo("h2");
        assertThat(c.cluster.sync()).isFalse();
        assertThat(c.cluster.electionTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.cluster.logPath()).isEqualTo(Path.of("/data/_raft"));
        ServerConfig off = Flags.parse("-sc", conf.toString(), "-clustered=false");
        assertThat(off.cluster).as("-clustered=false turns the file's block off").isNull();
        assertThat(off.warnings).last().asString().startsWith("clustering is off");
    }

    @Test
    void parseOverABaseBuilderKeepsItsValues() {
        ServerConfig c = Flags.parse(ServerConfig.builder().clusterId("base").maxChannels(2), "-msu", "3");
        assertThat(c.clusterId).isEqualTo("base");
        assertThat(c.maxChannels).isEqualTo(2);
        assertThat(c.maxSubs).isEqualTo(3);
        ServerConfig again = c.toBuilder().build();
        assertThat(again.storeLimits).isEqualTo(c.storeLimits);
        assertThat(again.discoverPrefix).isEqualTo(c.discoverPrefix);
    }

    private Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }
}
