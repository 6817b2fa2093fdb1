package io.stanchion.config;

import io.stanchion.config.StoreLimits.Overrides;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigFileTest {

    private static ServerConfig parse(String text) {
        ServerConfig.Builder b = ServerConfig.builder();
        ConfigFile.apply(text, "test.conf", b, false, k -> null);
        return b.build();
    }

    private static ServerConfig parse(String text, Map<String, String> env) {
        ServerConfig.Builder b = ServerConfig.builder();
        ConfigFile.apply(text, "test.conf", b, false, env::get);
        return b.build();
    }

    private static void assertError(String text, String message) {
        assertThatThrownBy(() -> parse(text)).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    // ---------------------------------------------------------------- documented example configurations

    @Test
    void fullStreamingBlock() {
        ServerConfig c = parse("""
                # Streaming server configuration
                streaming {
                  cluster_id: "my-cluster"
                  discover_prefix: "_STAN.disco"
                  store: "file"
                  dir: "/data/stan"
                  sd: true
                  sv: false
                  nats_server_url: "nats://a:4222, nats://b:4222"
                  hb_interval: "10s"
                  hb_timeout: "2s"
                  hb_fail_count: 3
                  username: "stan"
                  password: "secret"
                  replace_durable: true
                  io_batch_size: 64
                  store_limits: {
                    max_channels: 10
                    max_msgs: 5000
                    max_bytes: 10MB
                    max_age: "24h"
                    max_subs: 20
                    max_inactivity: "1h30m"
                  }
                  file_options: {
                    sync: true
                  }
                }
                """);
        assertThat(c.clusterId).isEqualTo("my-cluster");
        assertThat(c.discoverPrefix).isEqualTo("_STAN.disco");
        assertThat(c.discoverSubject()).isEqualTo("_STAN.disco.my-cluster");
        assertThat(c.storeType).isEqualTo(ServerConfig.StoreType.FILE);
        assertThat(c.dir).isEqualTo(Path.of("/data/stan"));
        assertThat(c.debug).isTrue();
        assertThat(c.trace).isFalse();
        assertThat(c.natsUrls).containsExactly("nats://a:4222", "nats://b:4222");
        assertThat(c.hbInterval).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.hbTimeout).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.hbFailCount).isEqualTo(3);
        assertThat(c.natsUser).isEqualTo("stan");
        assertThat(c.natsPassword).isEqualTo("secret");
        assertThat(c.replaceDurable).isTrue();
        assertThat(c.ioBatchSize).isEqualTo(64);
        assertThat(c.maxChannels).isEqualTo(10);
        assertThat(c.maxSubs).isEqualTo(20);
        assertThat(c.storeLimits.defaults()).isEqualTo(new ChannelLimits(5000, 10L << 20, Duration.ofHours(24), 20,
                Duration.ofMinutes(90)));
        assertThat(c.fileSync).isTrue();
        assertThat(c.warnings).isEmpty();
    }

    @Test
    void topLevelVariantWithShortAliases() {
        ServerConfig c = parse("""
                cid = test2
                st = MEMORY
                ns = "nats://127.0.0.1:4333"
                hbi = "1m"
                hbt = "5s"
                hbf = 2
                SD = on
                SV = yes
                token = "s3cr3t"
                replace_durables = true
                limits {
                  mc = 0
                  mm = 0
                  mb = 0
                  ma = "0"
                  msu = 0
                  mi = "0s"
                }
                file { do_sync = false }
                """);
        assertThat(c.clusterId).isEqualTo("test2");
        assertThat(c.storeType).isEqualTo(ServerConfig.StoreType.MEMORY);
        assertThat(c.natsUrls).containsExactly("nats://127.0.0.1:4333");
        assertThat(c.hbInterval).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.hbTimeout).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.hbFailCount).isEqualTo(2);
        assertThat(c.debug).isTrue();
        assertThat(c.trace).isTrue();
        assertThat(c.natsToken).isEqualTo("s3cr3t");
        assertThat(c.replaceDurable).isTrue();
        assertThat(c.maxChannels).isZero();
        assertThat(c.storeLimits.defaults()).isEqualTo(ChannelLimits.UNLIMITED);
        assertThat(c.fileSync).isFalse();
    }

    @Test
    void everyAliasOfEveryKey() {
        String[][] aliases = {
                {"id", "cid", "cluster_id"},
                {"st", "store", "store_type", "storetype"},
                {"dir", "datastore"},
                {"sd", "stan_debug"},
                {"sv", "stan_trace"},
                {"ns", "nats_server", "nats_server_url"},
                {"hbi", "hb_interval", "server_to_client_hb_interval"},
                {"hbt", "hb_timeout", "server_to_client_hb_timeout"},
                {"hbf", "hb_fail_count", "server_to_client_hb_fail_count"},
                {"username", "user"},
                {"password", "pass"},
                {"replace_durable", "replace_durables", "replace_duplicate_durable", "replace_duplicate_durables"},
        };
        String[] values = {"\"x1\"", "\"FILE\"", "\"/d\"", "true", "true", "\"nats://h:1\"", "\"7s\"", "\"8s\"",
                "9", "\"u\"", "\"p\"", "true"};
        for (int i = 0; i < aliases.length; i++) {
            for (String alias : aliases[i]) {
                for (String form : List.of(alias, alias.toUpperCase())) {
                    ServerConfig c = parse("streaming { " + form + ": " + values[i] + "\n dir: \"/d\" }");
                    switch (i) {
                        case 0 -> assertThat(c.clusterId).as(form).isEqualTo("x1");
                        case 1 -> assertThat(c.storeType).as(form).isEqualTo(ServerConfig.StoreType.FILE);
                        case 2 -> assertThat(c.dir).as(form).isEqualTo(Path.of("/d"));
                        case 3 -> assertThat(c.debug).as(form).isTrue();
                        case 4 -> assertThat(c.trace).as(form).isTrue();
                        case 5 -> assertThat(c.natsUrls).as(form).containsExactly("nats://h:1");
                        case 6 -> assertThat(c.hbInterval).as(form).isEqualTo(Duration.ofSeconds(7));
                        case 7 -> assertThat(c.hbTimeout).as(form).isEqualTo(Duration.ofSeconds(8));
                        case 8 -> assertThat(c.hbFailCount).as(form).isEqualTo(9);
                        case 9 -> assertThat(c.natsUser).as(form).isEqualTo("u");
                        case 10 -> assertThat(c.natsPassword).as(form).isEqualTo("p");
                        case 11 -> assertThat(c.replaceDurable).as(form).isTrue();
                        default -> throw new AssertionError();
                    }
                }
            }
        }
        String[][] limitAliases = {
                {"mc", "max_channels", "maxchannels"},
                {"msu", "max_subs", "max_subscriptions", "maxsubscriptions"},
                {"mm", "max_msgs", "maxmsgs", "max_count", "maxcount"},
                {"mb", "max_bytes", "maxbytes"},
                {"ma", "max_age", "maxage"},
                {"mi", "max_inactivity", "maxinactivity"},
        };
        String[] limitValues = {"11", "12", "13", "14", "\"15s\"", "\"16s\""};
        for (String block : List.of("store_limits", "limits", "storelimits")) {
            for (int i = 0; i < limitAliases.length; i++) {
                for (String alias : limitAliases[i]) {
                    StoreLimits l = parse(block + " { " + alias + ": " + limitValues[i] + " }").storeLimits;
                    switch (i) {
                        case 0 -> assertThat(l.maxChannels()).as(alias).isEqualTo(11);
                        case 1 -> assertThat(l.defaults().maxSubs()).as(alias).isEqualTo(12);
                        case 2 -> assertThat(l.defaults().maxMsgs()).as(alias).isEqualTo(13);
                        case 3 -> assertThat(l.defaults().maxBytes()).as(alias).isEqualTo(14);
                        case 4 -> assertThat(l.defaults().maxAge()).as(alias).isEqualTo(Duration.ofSeconds(15));
                        case 5 -> assertThat(l.defaults().maxInactivity()).as(alias)
                                .isEqualTo(Duration.ofSeconds(16));
                        default -> throw new AssertionError();
                    }
                    if (i > 0) {
                        StoreLimits pc = parse(block + " { channels { \"c\": { " + alias + ": " + limitValues[i]
                                + " } } }").storeLimits;
                        assertThat(pc.perChannel().get("c")).as(alias).isNotEqualTo(Overrides.NONE);
                    }
                }
            }
        }
        for (String channels : List.of("channels", "channels_limits", "channelslimits", "per_channel",
                "per_channel_limits")) {
            assertThat(parse("store_limits { " + channels + " { foo: { max_msgs: 1 } } }").storeLimits.perChannel())
                    .as(channels).containsKey("foo");
        }
        for (String sync : List.of("sync", "do_sync", "sync_on_flush")) {
            for (String file : List.of("file", "file_options")) {
                assertThat(parse(file + " { " + sync + ": true }").fileSync).isTrue();
                assertThat(parse(file + " { " + sync + ": false }").fileSync).isFalse();
            }
        }
        assertThat(parse("file_options { min_free: \"128MB\" }").fileMinFree).isEqualTo(128L << 20);
        assertThat(parse("file_options { min_free: 1048576 }").fileMinFree).isEqualTo(1L << 20);
        assertThat(parse("credentials: \"/x.creds\"").natsCredentials).isEqualTo(Path.of("/x.creds"));
        assertThat(parse("nkey_seed_file: \"/seed.nk\"").nkeySeedFile).isEqualTo(Path.of("/seed.nk"));
        assertThat(parse("secure: true").secure).isTrue();
    }

    @Test
    void perChannelLimits() {
        ServerConfig c = parse("""
                streaming {
                  store_limits {
                    max_msgs: 1000
                    max_bytes: 1MB
                    channels {
                      "foo": {max_msgs: 300},
                      "bar.>": {max_msgs: 50, max_bytes: 1KB},
                      "baz.*": {max_age: "1h"}
                    }
                  }
                }
                """);
        StoreLimits l = c.storeLimits;
        assertThat(l.perChannel()).containsOnlyKeys("foo", "bar.>", "baz.*");
        assertThat(l.perChannel().get("foo")).isEqualTo(Overrides.NONE.withMaxMsgs(300));
        assertThat(l.perChannel().get("bar.>")).isEqualTo(Overrides.NONE.withMaxMsgs(50).withMaxBytes(1024));
        assertThat(l.forChannel("foo")).isEqualTo(new ChannelLimits(300, 1 << 20, Duration.ZERO, 1000,
                Duration.ZERO));
        assertThat(l.forChannel("bar.x.y")).isEqualTo(new ChannelLimits(50, 1024, Duration.ZERO, 1000,
                Duration.ZERO));
        assertThat(l.forChannel("baz.q")).isEqualTo(new ChannelLimits(1000, 1 << 20, Duration.ofHours(1), 1000,
                Duration.ZERO));
        assertThat(l.forChannel("other")).isEqualTo(l.defaults());
    }

    @Test
    void perChannelExplicitZeroIsUnlimitedWhileOmittedInherits() {
        StoreLimits l = parse("""
                store_limits {
                  max_msgs: 10, max_age: "1h", max_subs: 5
                  channels: {
                    "a.>": { max_age: "0" }
                    "a.b": { max_msgs: 0 }
                  }
                }
                """).storeLimits;
        assertThat(l.perChannel().get("a.b")).isEqualTo(Overrides.NONE.withMaxMsgs(0));
        assertThat(l.forChannel("a.b")).isEqualTo(new ChannelLimits(0, 1_024_000_000L, Duration.ZERO, 5,
                Duration.ZERO));
        assertThat(l.forChannel("a.c")).isEqualTo(new ChannelLimits(10, 1_024_000_000L, Duration.ZERO, 5,
                Duration.ZERO));
    }

    @Test
    void tlsBlock() {
        ServerConfig c = parse("""
                streaming {
                  secure: true
                  tls {
                    client_cert: "/certs/client.pem"
                    client_key: "/certs/client-key.pem"
                    client_ca: "/certs/ca.pem"
                    server_name: "nats.example.com"
                    skip_verify: false
                  }
                }
                """);
        assertThat(c.secure).isTrue();
        assertThat(c.tlsEnabled()).isTrue();
        assertThat(c.tlsClientCert).isEqualTo(Path.of("/certs/client.pem"));
        assertThat(c.tlsClientKey).isEqualTo(Path.of("/certs/client-key.pem"));
        assertThat(c.tlsClientCa).isEqualTo(Path.of("/certs/ca.pem"));
        assertThat(c.tlsServerName).isEqualTo("nats.example.com");
        assertThat(c.tlsSkipVerify).isFalse();

        ServerConfig aliases = parse("""
                tls { client_cacert: "/ca.pem", server_hostname: "h", insecure: true }
                """);
        assertThat(aliases.tlsClientCa).isEqualTo(Path.of("/ca.pem"));
        assertThat(aliases.tlsServerName).isEqualTo("h");
        assertThat(aliases.tlsSkipVerify).isTrue();
        assertThat(aliases.tlsEnabled()).as("implied by the TLS options, as in the original").isTrue();
        assertThat(parse("cid: x").tlsEnabled()).isFalse();
        assertError("tls { client_cert: \"/c.pem\" }",
                "tls_client_cert is set but tls_client_key is not: both are needed");
    }

    @Test
    void sharedWithNatsServer() {
        ServerConfig c = parse("""
                # nats-server part
                listen: 0.0.0.0:4333
                http: "127.0.0.1:8333"
                server_name: n1
                max_payload: 1MB
                max_subs: 100
                debug: false
                trace: false
                logtime: true
                PASS: "from-var"
                authorization {
                  user: stan
                  password: $PASS
                  timeout: 2
                }
                tls {
                  cert_file: "./server.pem"
                  key_file: "./server-key.pem"
                  verify: true
                }
                cluster {
                  name: c1
                  listen: 0.0.0.0:6222
                  routes: [
                    nats://n2:6222
                    nats://n3:6222
                  ]
                }
                jetstream { store_dir: "/js" }
                accounts {
                  A: { users: [ {user: a, password: a} ] }
                }

                streaming {
                  cluster_id: shared
                  store_limits { max_channels: 5 }
                }
                """);
        assertThat(c.clusterId).isEqualTo("shared");
        assertThat(c.maxChannels).isEqualTo(5);
        assertThat(c.httpHost).isEqualTo("127.0.0.1");
        assertThat(c.httpPort).isEqualTo(8333);
        assertThat(c.natsUrls).as("derived from listen").containsExactly("nats://127.0.0.1:4333");
        assertThat(c.natsUser).isEqualTo("stan");
        assertThat(c.natsPassword).isEqualTo("from-var");
        assertThat(c.tlsEnabled()).as("the top-level tls belongs to nats-server here").isFalse();
    }

    @Test
    void natsKeysForMonitoringAndUrl() {
        ServerConfig c = parse("port: 4555\nhost: \"0.0.0.0\"\nhttp_port: 8999\ncid: x");
        assertThat(c.natsUrls).containsExactly("nats://127.0.0.1:4555");
        assertThat(c.httpPort).isEqualTo(8999);
        assertThat(parse("monitor_port: 8111").httpPort).isEqualTo(8111);
        assertThat(parse("http: 8222").httpPort).isEqualTo(8222);
        assertThat(parse("http: \"0.0.0.0:8223\"").httpHost).isEqualTo("0.0.0.0");
        assertThat(parse("port: 4555\nnats_server_url: \"nats://x:1\"").natsUrls)
                .as("an explicit URL wins").containsExactly("nats://x:1");
        assertThat(parse("streaming { http_port: 8444, http_host: \"0.0.0.0\" }").httpPort).isEqualTo(8444);
        assertThat(parse("http_jsonp: true").httpJsonp).isTrue();
        assertThat(parse("streaming { http_allowed_hosts: \"a.example,b\" }").httpAllowedHosts)
                .containsExactly("a.example", "b");
        assertThat(parse("http_allowed_hosts: [\"a.example\", \"*\"]").httpAllowedHosts)
                .containsExactly("a.example", "*");
        assertThat(parse("authorization { token: t0k }").natsToken).isEqualTo("t0k");
        assertThat(parse("authorization { user: a, password: b }\nuser: c\npassword: d").natsUser)
                .as("the streaming user wins over the NATS authorization").isEqualTo("c");
        ServerConfig https = parse("https: 8443");
        assertThat(https.warnings).singleElement().asString().contains("HTTP only");
    }

    @Test
    void natsOnlyScopeIgnoresStreamingKeys() {
        ServerConfig.Builder b = ServerConfig.builder();
        ConfigFile.apply("port: 4999\nhttp_port: 8001\ncluster_id: ignored\nstreaming { cid: also_ignored }",
                "nats.conf", b, true, k -> null);
        ServerConfig c = b.build();
        assertThat(c.clusterId).isEqualTo("test-cluster");
        assertThat(c.natsUrls).containsExactly("nats://127.0.0.1:4999");
        assertThat(c.httpPort).isEqualTo(8001);
        assertThatThrownBy(() -> ConfigFile.apply("prot: 4999", "nats.conf", ServerConfig.builder(), true,
                k -> null)).hasMessageStartingWith("config file nats.conf line 1: unknown key \"prot\"");
    }

    @Test
    void theRepositoryExampleConfigurationParses() throws Exception {
        Path example = Path.of(System.getProperty("basedir", ".")).resolve("config/stanchion.conf");
        if (!Files.exists(example)) {
            return;
        }
        ServerConfig.Builder b = ServerConfig.builder();
        ConfigFile.load(example, b);
        ServerConfig c = b.build();
        assertThat(c.storeType).isEqualTo(ServerConfig.StoreType.FILE);
        assertThat(c.configFiles).containsExactly(example);
        assertThat(c.storeLimits.perChannel()).isNotEmpty();
    }

    // ---------------------------------------------------------------- syntax

    @Test
    void syntaxSeparatorsCommentsQuotesAndNumbers() {
        ServerConfig c = parse("""
                // a slash comment
                {
                  streaming = {   # a hash comment
                    'cluster_id'   "q-cid" ; hb_fail_count 4, hb_interval: '2s'
                    "store_limits" {
                      max_bytes = 2GB   // 2 GiB
                      max_msgs: 3K      # NATS: 3K = 3000
                      max_subs: 2ki
                      max_channels: 1_0
                    }
                  }
                }
                """.replace("1_0", "10"));
        assertThat(c.clusterId).isEqualTo("q-cid");
        assertThat(c.hbFailCount).isEqualTo(4);
        assertThat(c.hbInterval).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.storeLimits.defaults().maxBytes()).isEqualTo(2L << 30);
        assertThat(c.storeLimits.defaults().maxMsgs()).isEqualTo(3000);
        assertThat(c.storeLimits.defaults().maxSubs()).isEqualTo(2048);
        assertThat(c.maxChannels).isEqualTo(10);
    }

    @Test
    void parserValueKinds() {
        ConfParser.Document d = ConfParser.parse("""
                a: "tab\\there \\"q\\" \\\\ \\x41"
                b: 'raw \\t'
                c: bare-word
                d: [1, "two", three
                    4.5 # comment in array
                    true]
                e: 2020-01-02T03:04:05Z
                f: -12
                g: 1.2.3.4
                h: 127.0.0.1:4222
                i: 1h30m
                j: 10m
                k: (
                multi line
                block
                )
                l: OFF
                m: {}
                n: []
                """, k -> null);
        var root = d.root();
        assertThat(((ConfParser.StringNode) root.find("a").value()).value()).isEqualTo("tab\there \"q\" \\ A");
        assertThat(((ConfParser.StringNode) root.find("b").value()).value()).isEqualTo("raw \\t");
        assertThat(((ConfParser.StringNode) root.find("c").value()).value()).isEqualTo("bare-word");
        var list = (ConfParser.ListNode) root.find("d").value();
        assertThat(list.items()).hasSize(5);
        assertThat(list.items().get(0)).isInstanceOf(ConfParser.IntNode.class);
        assertThat(list.items().get(3)).isInstanceOf(ConfParser.FloatNode.class);
        assertThat(list.items().get(4)).isInstanceOf(ConfParser.BoolNode.class);
        assertThat(root.find("e").value()).isInstanceOf(ConfParser.DateNode.class);
        assertThat(((ConfParser.IntNode) root.find("f").value()).value()).isEqualTo(-12);
        assertThat(((ConfParser.StringNode) root.find("g").value()).value()).isEqualTo("1.2.3.4");
        assertThat(((ConfParser.StringNode) root.find("h").value()).value()).isEqualTo("127.0.0.1:4222");
        assertThat(((ConfParser.StringNode) root.find("i").value()).value()).isEqualTo("1h30m");
        assertThat(((ConfParser.IntNode) root.find("j").value()).value()).isEqualTo(10_000_000);
        assertThat(((ConfParser.StringNode) root.find("k").value()).value()).isEqualTo("\nmulti line\nblock");
        assertThat(((ConfParser.BoolNode) root.find("l").value()).value()).isFalse();
        assertThat(((ConfParser.MapNode) root.find("m").value()).entries()).isEmpty();
        assertThat(((ConfParser.ListNode) root.find("n").value()).items()).isEmpty();
        assertThat(root.find("k").line()).isEqualTo(13);
        assertThat(root.find("l").line()).isEqualTo(17);
    }

    @Test
    void variablesFromTheFileAndTheEnvironment() {
        ServerConfig c = parse("""
                CID: "var-cid"
                streaming {
                  cluster_id: $CID
                  hb_fail_count: $FAILS
                  store_limits { MM: 7, max_msgs: $MM }
                }
                """, Map.of("FAILS", "6"));
        assertThat(c.clusterId).isEqualTo("var-cid");
        assertThat(c.hbFailCount).as("an environment value keeps its type").isEqualTo(6);
        assertThat(c.storeLimits.defaults().maxMsgs()).isEqualTo(7);
        assertError("cid: $NOPE", "config file test.conf line 1: variable reference for \"NOPE\" can't be found");
    }

    @Test
    void durationLeniencies() {
        assertThat(parse("store_limits { max_age: 0 }").storeLimits.defaults().maxAge()).isZero();
        assertThat(parse("hb_interval: 10m").hbInterval).as("unquoted 10m").isEqualTo(Duration.ofMinutes(10));
        assertThat(parse("hb_interval: 90s").hbInterval).isEqualTo(Duration.ofSeconds(90));
        assertThat(parse("hb_interval: \"1.5s\"").hbInterval).isEqualTo(Duration.ofMillis(1500));
        assertThat(parse("store_limits { max_bytes: \"1GB\" }").storeLimits.defaults().maxBytes()).isEqualTo(1L << 30);
    }

    // ---------------------------------------------------------------- errors

    @Test
    void typoIsAnErrorWithLineAndSuggestion() {
        assertError("""
                streaming {
                  store_limits {
                    max_msg: 10
                  }
                }
                """, "config file test.conf line 3: unknown key \"max_msg\" in store_limits (did you mean "
                + "\"max_msgs\"?)");
        assertError("streaming {\n  clusterid: x\n}",
                "config file test.conf line 2: unknown key \"clusterid\" in streaming (did you mean \"cluster_id\"?)");
        assertError("cluster_idd: x", "config file test.conf line 1: unknown key \"cluster_idd\" (neither a "
                + "streaming nor a NATS server option) (did you mean \"cluster_id\"?)");
        assertError("limits { channels { foo: { max_channels: 1 } } }", "config file test.conf line 1: unknown key "
                + "\"max_channels\" in limits of channel \"foo\"");
        assertError("streaming {\n tls {\n  client_crt: x\n }\n}", "config file test.conf line 3: unknown key "
                + "\"client_crt\" in tls (did you mean \"client_cert\"?)");
        assertError("file_options {\n  snyc: true\n}", "config file test.conf line 2: unknown key \"snyc\" in "
                + "file_options (did you mean \"sync\"?)");
        assertError("streaming {\n tls { cert_file: x }\n}", "config file test.conf line 2: unknown key "
                + "\"cert_file\" in tls");
    }

    @Test
    void wrongTypesAreErrors() {
        assertError("\n\n\n\nhb_interval: 10", "config file test.conf line 5: parameter \"hb_interval\" value is "
                + "expected to be a duration, got number 10");
        assertError("hb_fail_count: \"3\"", "config file test.conf line 1: parameter \"hb_fail_count\" value is "
                + "expected to be an integer, got string \"3\"");
        assertError("stan_debug: \"true\"", "config file test.conf line 1: parameter \"stan_debug\" value is "
                + "expected to be a boolean, got string \"true\"");
        assertError("cluster_id: 12", "config file test.conf line 1: parameter \"cluster_id\" value is expected "
                + "to be a string, got number 12");
        assertError("store_limits: 5", "config file test.conf line 1: parameter \"store_limits\" value is "
                + "expected to be a map, got number 5");
        assertError("store_limits { max_bytes: true }", "config file test.conf line 1: parameter \"max_bytes\" "
                + "value is expected to be a size, got boolean true");
        assertError("store_limits { max_bytes: \"lots\" }", "config file test.conf line 1: parameter \"max_bytes\" "
                + "value \"lots\" is not a size (like 1024, 10MB, 1GB)");
        assertError("hb_interval: \"soon\"", "config file test.conf line 1: parameter \"hb_interval\" value "
                + "\"soon\" is not a duration (like \"30s\", \"1h30m\", \"500ms\")");
        assertError("streaming: 1", "config file test.conf line 1: the streaming section is expected to be a map, "
                + "got number");
        assertError("limits { channels { foo: 1 } }", "config file test.conf line 1: limits of channel \"foo\" are "
                + "expected to be a map, got number");
        assertError("ns: [a, b]", "config file test.conf line 1: parameter \"ns\" value is expected to be a "
                + "string, got an array");
        assertError("store: sql", "config file test.conf line 1: parameter \"store\": unsupported store type "
                + "\"sql\" (MEMORY or FILE)");
        assertError("hbf: \"two\nlines\"", "config file test.conf line 1: parameter \"hbf\" value is expected to "
                + "be an integer, got string \"two\\nlines\"");
        assertError("http: \"x:y\"", "config file test.conf line 1: parameter \"http\" value \"x:y\" is expected "
                + "to be host:port or a port");
    }

    @Test
    void negativeLimitsAreErrors() {
        assertError("store_limits {\n max_msgs: -1\n}",
                "config file test.conf line 2: parameter \"max_msgs\" can't be negative (-1)");
        assertError("store_limits { max_channels: -5 }",
                "config file test.conf line 1: parameter \"max_channels\" can't be negative (-5)");
        assertError("store_limits { max_age: \"-1h\" }",
                "config file test.conf line 1: parameter \"max_age\" can't be negative (-1h0m0s)");
        assertError("store_limits { channels { a: { max_subs: -1 } } }",
                "config file test.conf line 1: parameter \"max_subs\" can't be negative (-1)");
        assertError("hbf: -1", "config file test.conf line 1: parameter \"hbf\" can't be negative (-1)");
    }

    @Test
    void tooManyLiteralChannelsIsAnErrorNamingTheBlock() {
        assertError("""
                store_limits {
                  max_channels: 2
                  channels {
                    a: {max_msgs: 1}
                    b: {max_msgs: 1}
                    "c.*": {max_msgs: 1}
                    d: {max_msgs: 1}
                  }
                }
                """, "config file test.conf line 3: too many channels defined in per-channel limits (3 literal "
                + "names), the max_channels limit is set to 2");
    }

    @Test
    void invalidWildcardsAreErrors() {
        assertError("limits {\n channels {\n  \"foo*\": {max_msgs: 1}\n }\n}", "config file test.conf line 3: "
                + "invalid channel name \"foo*\" in channels: a wildcard must be a whole token, like foo.* or foo.>");
        assertError("limits { channels { \">.foo\": {max_msgs: 1} } }", "config file test.conf line 1: invalid "
                + "channel name \">.foo\" in channels: '>' must be the last token");
        assertError("limits { channels { \"foo..bar\": {max_msgs: 1} } }", "config file test.conf line 1: "
                + "invalid channel name \"foo..bar\" in channels: empty token (leading, trailing or double '.')");
    }

    @Test
    void syntaxErrorsHaveLines() {
        assertError("streaming {\n  cid: x\n", "config file test.conf line 3: unexpected end of file: '{' opened "
                + "on line 1 is never closed");
        assertError("cid: \"abc\n\n", "config file test.conf line 1: unterminated string");
        assertError("a: 1\nb:\n", "config file test.conf line 2: key \"b\" has no value");
        assertError("cid: x y", "config file test.conf line 1: expected a new line, ',' or ';' after the value of "
                + "\"cid\", found 'y'");
        assertError("include ./other.conf", "config file test.conf line 1: \"include\" is not supported: put "
                + "everything in one file");
        assertError("}", "config file test.conf line 1: unexpected '}'");
        assertError("cid: \"a\\qb\"", "config file test.conf line 1: invalid escape '\\q' (allowed: \\t \\n \\r "
                + "\\\" \\\\ \\xHH)");
        assertError("store_limits { max_bytes: 5kbb }", "config file test.conf line 1: invalid size suffix 'kbb'");
        assertError("x: [1, 2", "config file test.conf line 1: unexpected end of file: '[' opened on line 1 is "
                + "never closed");
        assertError("hbf: 99999999999999999999", "config file test.conf line 1: integer '99999999999999999999' is "
                + "out of range");
    }

    @Test
    void streamingKeyOutsideAPresentStreamingBlockIsAnError() {
        assertError("cluster_id: a\nstreaming { store: memory }", "config file test.conf line 1: \"cluster_id\" is "
                + "a streaming option outside the streaming block; with a streaming block present it would be "
                + "ignored: move it into streaming { }");
    }

    @Test
    void unsupportedFeaturesAreRefused() {
        assertThat(parse("streaming { ft_group: g, store: file, dir: /tmp/x }").ftGroup).isEqualTo("g");
        assertError("sql_options { driver: mysql }",
                "config file test.conf line 1: \"sql_options\": the SQL store is not supported by Stanchion");
        // a NATS routing cluster block at the top level is fine
        assertThat(parse("cluster { listen: 0.0.0.0:6222, routes: [nats://a:6222] }").clusterId)
                .isEqualTo("test-cluster");
    }

    // ---------------------------------------------------------------- encryption at rest

    @Test
    void encryptionKeysOfTheOriginal() {
        ServerConfig c = parse("streaming { encrypt: true, encryption_cipher: chacha, encryption_key: \"k1\" }");
        assertThat(c.encryption).isNotNull();
        assertThat(c.encryption.cipherName()).isEqualTo("CHACHA");
        assertThat(c.toBuilder().build().encryption).as("a copy keeps the key").isSameAs(c.encryption);
        assertThat(parse("encrypt: false\nencryption_key: k1").encryption).isNull();
        assertThat(parse("encrypt: true\nencryption_key: k1").encryption.cipherName()).as("default cipher")
                .isEqualTo("AES");
        assertError("encrypt: true", "encryption key required");
        assertThatThrownBy(() -> parse("encryption_cipher: rot13")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("encryption cipher not supported");
        ServerConfig.Builder b = ServerConfig.builder();
        ConfigFile.apply("encrypt: true", "test.conf", b, false, k -> null);
        assertThat(b.environment(name -> "NATS_STREAMING_ENCRYPTION_KEY".equals(name) ? "from-env" : null).build()
                .encryption).as("the environment variable gives the key").isNotNull();
    }

    // ---------------------------------------------------------------- partitioning

    @Test
    void partitioningServesTheChannelsOfStoreLimits() {
        ServerConfig c = parse("partitioning: true\nstore_limits { channels { \"foo\": {}, \"bar.*\": { max_msgs: 5 }"
                + ", \"baz.>\": {} } }");
        assertThat(c.partitioning).isTrue();
        assertThat(c.storeLimits.perChannel().keySet()).containsExactlyInAnyOrder("foo", "bar.*", "baz.>");
        assertThat(parse("cid: a").partitioning).as("off by default").isFalse();
        assertThat(parse("streaming { partitioning: false }").partitioning).isFalse();
        assertThat(c.toBuilder().build().partitioning).as("kept by toBuilder").isTrue();
    }

    @Test
    void partitioningNeedsAConfiguredChannel() {
        assertError("partitioning: true", "stan: no configured channel (partitioning serves the channels of "
                + "store_limits.channels)");
        assertError("partitioning: true\nstore_limits { max_msgs: 10 }", "stan: no configured channel (partitioning "
                + "serves the channels of store_limits.channels)");
    }

    @Test
    void partitioningIsNotCombinedWithClustering() {
        assertError(CLUSTER_STORE + "partitioning: true\nstore_limits { channels { foo: {} } }\n"
                + "cluster { node_id: a, peers: [\"a@h1:1\", \"b@h2:2\"] }",
                "stan: channels partitioning in clustering mode is not supported");
    }

    // ---------------------------------------------------------------- clustering

    private static final String CLUSTER_STORE = "store: file\ndir: \"/data\"\n";

    @Test
    void clusterBlockTurnsClusteringOn() {
        ServerConfig c = parse("""
                streaming {
                  store: file
                  dir: "/data"
                  cluster {
                    node_id: "b"
                    peers: ["a@10.0.0.1:6322", "b@10.0.0.2:6322", "c@[fd00::3]:7000"]
                    bootstrap: false
                    log_path: "/raft/b"
                    sync: true
                    raft_logging: true
                    listen: "0.0.0.0"
                    raft_election_timeout: "2s"
                  }
                }
                """);
        ClusterConfig cl = c.cluster;
        assertThat(cl).isNotNull();
        assertThat(cl.nodeId()).isEqualTo("b");
        assertThat(cl.peers()).containsExactly(new ClusterConfig.Peer("a", "10.0.0.1", 6322),
                new ClusterConfig.Peer("b", "10.0.0.2", 6322), new ClusterConfig.Peer("c", "[fd00::3]", 7000));
        assertThat(cl.peers().get(2).address()).isEqualTo("[fd00::3]:7000");
        assertThat(cl.self()).isEqualTo(new ClusterConfig.Peer("b", "10.0.0.2", 6322));
        assertThat(cl.bootstrap()).isFalse();
        assertThat(cl.logPath()).isEqualTo(Path.of("/raft/b"));
        assertThat(cl.sync()).isTrue();
        assertThat(cl.raftLogging()).isTrue();
        assertThat(cl.listenHost()).isEqualTo("0.0.0.0");
        assertThat(cl.electionTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.warnings).isEmpty();
        assertThat(c.fileSync).as("file_options sync is another key").isTrue();
    }

    @Test
    void clusterBlockDefaultsAndCommaSeparatedPeers() {
        ServerConfig c = parse(CLUSTER_STORE + "cluster { node_id: a, peers: \"a@h1:6322, b@h2:6322\" }");
        ClusterConfig cl = c.cluster;
        assertThat(cl.peers()).extracting(ClusterConfig.Peer::id).containsExactly("a", "b");
        assertThat(cl.logPath()).as("the store's _raft subdirectory").isEqualTo(Path.of("/data/_raft"));
        assertThat(cl.listenHost()).as("this node's host").isEqualTo("h1");
        assertThat(cl.sync()).isFalse();
        assertThat(cl.raftLogging()).isFalse();
        assertThat(cl.bootstrap()).isFalse();
        assertThat(cl.electionTimeout()).isEqualTo(ClusterConfig.DEFAULT_ELECTION_TIMEOUT);
        // an empty block still turns clustering on (and then asks for what it needs)
        assertError("streaming { store: file, dir: /data, cluster { } }",
                "clustered mode requires a node ID (-cluster_node_id)");
        // at the top level, an empty cluster block is NATS routing's
        assertThat(parse(CLUSTER_STORE + "cluster { }").cluster).isNull();
        // not clustered without the block
        assertThat(parse(CLUSTER_STORE).cluster).isNull();
    }

    @Test
    void topLevelClusterIsTheStreamingOneWhenItHasItsKeys() {
        ServerConfig c = parse(CLUSTER_STORE + "cluster {\n  node_id: a\n  bootstrap: true\n  listen: \":7001\"\n}");
        assertThat(c.cluster.peers()).containsExactly(new ClusterConfig.Peer("a", "127.0.0.1", 7001));
        // NATS routing keys in a streaming cluster block are not ours
        assertError(CLUSTER_STORE + "cluster {\n  node_id: a\n  routes: [nats://b:6222]\n}",
                "config file test.conf line 5: unknown key \"routes\" in cluster");
        // a NATS routing block (listen is a key of both) stays NATS's; so does any cluster beside a streaming block
        assertThat(parse("cluster { listen: 0.0.0.0:6222, routes: [nats://a:6222] }").cluster).isNull();
        assertThat(parse("cluster { node_id: a }\nstreaming { cid: x }").cluster).isNull();
    }

    @Test
    void badClusterBlocksAreRefused() {
        assertError("streaming { cluster { node_id: a, peers: [\"a@h:1\"] } }",
                "clustered mode requires the FILE store (-store file -dir <path>)");
        assertError("streaming {\n" + CLUSTER_STORE + "cluster {\n node_id: a\n peers: [\"a@h:1\", \"b\"]\n}\n}",
                "config file test.conf line 6: parameter \"peers\": cluster peer \"b\" needs its Raft address: "
                        + "<node_id>@<host>:<port>");
        assertError(CLUSTER_STORE + "cluster { node_id: a, peers: \"a@h:1,a@h:2\" }",
                "config file test.conf line 3: parameter \"peers\": cluster peer \"a\" is listed twice");
        assertError(CLUSTER_STORE + "cluster { node_id: a, peers: [1] }", "config file test.conf line 3: "
                + "parameter \"peers\" value is expected to be a string or a list of strings, got an array");
        assertError(CLUSTER_STORE + "cluster { node_id: c, peers: [\"a@h:1\", \"b@h:2\"] }",
                "cluster node \"c\" is not in cluster_peers (list every node, this one included, as "
                        + "<node_id>@<host>:<port>)");
        assertError(CLUSTER_STORE + "cluster { node_id: a, peers: [\"a@h:1\"], raft_election_timeout: \"50ms\" }",
                "cluster election timeout must be at least 100ms, got 50ms");
        assertError(CLUSTER_STORE + "cluster { node_id: a, raft_election_timeout: \"soon\" }",
                "config file test.conf line 3: parameter \"raft_election_timeout\" value \"soon\" is not a duration "
                        + "(like \"30s\", \"1h30m\", \"500ms\")");
        assertError(CLUSTER_STORE + "cluster { node_id: a, peer: [] }",
                "config file test.conf line 3: unknown key \"peer\" in cluster (did you mean \"peers\"?)");
        assertError("streaming {\n  cluster: true\n}",
                "config file test.conf line 2: parameter \"cluster\" value is expected to be a map, got boolean true");
    }

    @Test
    void allowAddRemoveNodeTurnsMembershipChangesOn() {
        ServerConfig c = parse(CLUSTER_STORE + """
                cluster {
                  node_id: a
                  peers: ["a@h:1"]
                  allow_add_remove_node: true
                }
                """);
        assertThat(c.cluster.allowAddRemove()).isTrue();
        assertThat(c.warnings).isEmpty();
        assertThat(parse(CLUSTER_STORE + "cluster { node_id: a, peers: [\"a@h:1\"] }").cluster.allowAddRemove())
                .isFalse();
        assertError(CLUSTER_STORE + "cluster { node_id: a, allow_add_remove_node: 5 }", "config file test.conf "
                + "line 3: parameter \"allow_add_remove_node\" value is expected to be a boolean, got number 5");
    }

    @Test
    void originalRaftTuningIsAcceptedWithAWarning() {
        ServerConfig c = parse(CLUSTER_STORE + """
                cluster {
                  node_id: a
                  peers: ["a@h:1"]
                  log_cache_size: 512
                  log_snapshots: 2
                  trailing_logs: 10240
                  proceed_on_restore_failure: false
                  raft_heartbeat_timeout: "2s"
                  raft_lease_timeout: "1s"
                  raft_commit_timeout: "100ms"
                  bolt_free_list_sync: true
                  bolt_free_list_map: true
                  nodes_connections: true
                }
                """);
        assertThat(c.cluster).isNotNull();
        assertThat(c.warnings).hasSize(10);
        assertThat(c.warnings.get(0)).isEqualTo("config file test.conf line 6: cluster option \"log_cache_size\" "
                + "tunes the original's Raft and has no effect on Stanchion; ignored");
        assertThat(c.warnings.get(9)).contains("\"nodes_connections\"");
        assertError(CLUSTER_STORE + "cluster { node_id: a, raft_lease_timeout: 5 }", "config file test.conf line 3: "
                + "parameter \"raft_lease_timeout\" value is expected to be a duration, got number 5");
    }

    @Test
    void fileStoreTuningIsAcceptedWithAWarning() {
        ServerConfig c = parse("""
                file_options {
                  compact: true
                  compact_frag: 50
                  compact_interval: 300
                  compact_min_size: 1MB
                  buffer_size: 2MB
                  crc: true
                  crc_poly: 3988292384
                  slice_max_msgs: 0
                  slice_max_bytes: 64MB
                  slice_max_age: "1h"
                  slice_archive_script: "/bin/true"
                  fds_limit: 100
                  file_descriptors_limit: 100
                  parallel_recovery: 2
                  read_buffer_size: 2MB
                  auto_sync: "1m"
                  truncate_bad_eof: true
                }
                syslog_name: "stan"
                """);
        assertThat(c.warnings).hasSize(17);
        assertThat(c.warnings.get(0)).isEqualTo("config file test.conf line 2: file store option \"compact\" does "
                + "not apply to Stanchion's Chronicle Queue store; ignored");
        assertThat(c.warnings.get(16)).contains("syslog_name");
        assertThat(c.fileTruncateBadEof).isTrue();
        assertError("file { compact: 1 }", "config file test.conf line 1: parameter \"compact\" value is expected to "
                + "be a boolean, got number 1");
    }

    @Test
    void mangledInputOnlyEverFailsWithAOneLineConfigError() {
        String base = """
                listen: 0.0.0.0:4333 # c
                streaming {
                  cid: "x-1", st: 'memory'; hbi = "1s"
                  store_limits { mb: 1KB, channels { "a.>": { mm: 0 }, 'b.*': { ma: "1h" } } }
                  tls { skip_verify: true }
                  file { sync: on }
                }
                arr: [1, "two", 3.5, [x, y], {k: v}]
                blk: (
                text
                )
                """;
        String alphabet = "{}[]()\"'#/:=,; \n\t$-.*>0123456789abcKMBtrue";
        java.util.Random random = new java.util.Random(42);
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            for (int i = 0; i < 5000; i++) {
                StringBuilder sb = new StringBuilder(base);
                int edits = 1 + random.nextInt(4);
                for (int e = 0; e < edits; e++) {
                    int at = random.nextInt(sb.length());
                    switch (random.nextInt(3)) {
                        case 0 -> sb.deleteCharAt(at);
                        case 1 -> sb.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
                        default -> sb.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
                    }
                }
                String text = sb.toString();
                try {
                    parse(text);
                } catch (IllegalArgumentException expected) {
                    assertThat(expected.getMessage()).as(text).doesNotContain("\n")
                            .satisfiesAnyOf(m -> assertThat(m).startsWith("config file test.conf line "),
                                    m -> assertThat(m).doesNotContain("Exception"));
                }
            }
        });
    }

    @Test
    void loadReportsUnreadableFiles(@TempDir Path dir) {
        assertThatThrownBy(() -> ConfigFile.load(dir.resolve("missing.conf"), ServerConfig.builder()))
                .hasMessage("config file " + dir.resolve("missing.conf") + ": can't be read: no such file");
    }
}
