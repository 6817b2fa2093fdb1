package io.stanchion.config;

import io.stanchion.config.OptionRegistry.Option;
import io.stanchion.config.OptionRegistry.Section;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Walks the option table: what the command line, the configuration file and the usage text are made from. */
class OptionRegistryTest {

    private static final List<Option<?>> ALL = OptionRegistry.all();

    @Test
    void everyOptionHasAFlagOrAConfigKey() {
        assertThat(ALL).hasSizeGreaterThan(50);
        for (Option<?> o : ALL) {
            assertThat(o.flags().isEmpty() && o.keys().isEmpty()).as(o.name).isFalse();
            assertThat(o.keys().isEmpty()).as(o.name + ": keys and their section go together")
                    .isEqualTo(o.section() == null);
        }
    }

    @Test
    void noTwoOptionsShareAName() {
        Set<String> names = new HashSet<>();
        Map<String, Option<?>> flags = new HashMap<>();
        Map<Section, Map<String, Object>> keys = new HashMap<>();
        for (Section s : Section.values()) {
            keys.put(s, new HashMap<>());
            if (s.parent != null) {
                for (String k : s.keys) {
                    assertThat(keys.get(s.parent).put(k, s)).as("block key " + k).isNull();
                }
            }
        }
        for (Option<?> o : ALL) {
            assertThat(names.add(o.name)).as("option name " + o.name).isTrue();
            for (String f : o.flags()) {
                assertThat(f).as(o.name).matches("--?[A-Za-z][A-Za-z0-9_]*");
                assertThat(flags.put(f.replaceFirst("^--?", ""), o)).as("flag " + f).isNull();
            }
            for (String k : o.keys()) {
                assertThat(k).as(o.name + ": keys are matched in lower case").isEqualTo(k.toLowerCase(Locale.ROOT));
                assertThat(keys.get(o.section()).put(k, o)).as("key " + k + " in " + o.section()).isNull();
            }
        }
        for (Map.Entry<String, Option<?>> f : flags.entrySet()) {
            assertThat(OptionRegistry.byFlag(f.getKey())).isSameAs(f.getValue());
        }
    }

    @Test
    void everyDefaultParsesAndIsAcceptedAsAFlag() {
        int defaults = 0;
        for (Option<?> o : ALL) {
            if (o.defaultText() == null) {
                continue;
            }
            defaults++;
            assertThatCode(o::defaultValue).as(o.name + " default " + o.defaultText()).doesNotThrowAnyException();
            assertThat(o.defaultValue()).as(o.name).isNotNull();
            if (!o.flags().isEmpty()) {
                String flag = o.flags().get(o.flags().size() - 1);
                assertThatCode(() -> Flags.parse(flag + "=" + o.defaultText())).as(flag).doesNotThrowAnyException();
            }
        }
        assertThat(defaults).isGreaterThan(20);
        assertThat(ChannelLimits.DEFAULT).isEqualTo(new ChannelLimits(OptionRegistry.MAX_MSGS.defaultValue(),
                OptionRegistry.MAX_BYTES.defaultValue(), OptionRegistry.MAX_AGE.defaultValue(),
                OptionRegistry.MAX_SUBS.defaultValue(), OptionRegistry.MAX_INACTIVITY.defaultValue()));
        assertThat(StoreLimits.DEFAULT.maxChannels()).isEqualTo(OptionRegistry.MAX_CHANNELS.defaultValue());
        assertThat(OptionRegistry.CLUSTER_ELECTION_TIMEOUT.defaultValue())
                .isEqualTo(ClusterConfig.DEFAULT_ELECTION_TIMEOUT);
    }

    @Test
    void usageListsEveryFlag() {
        for (Option<?> o : ALL) {
            assertThat(o.inUsage()).as(o.name + " has a flag, so it is in the usage").isEqualTo(!o.flags().isEmpty());
            for (String flag : o.flags()) {
                assertThat(Flags.USAGE).as(flag).containsPattern("(^|[\\s,])" + Pattern.quote(flag) + "([\\s,=]|$)");
            }
            if (o.inUsage()) {
                assertThat(o.usageHelp()).as(o.name + ": {default} needs a default").doesNotContain("{default}");
                if (o.defaultText() != null && o.usageHelp().contains("(default: ")) {
                    assertThat(o.usageHelp()).as(o.name).contains("default: " + o.defaultText());
                }
            }
        }
        for (String line : Flags.USAGE.split("\n")) {
            assertThat(line.length()).as(line).isLessThanOrEqualTo(110);
        }
    }

    @Test
    void everyFlagIsReachedByTheCommandLineInBothSpellings() {
        for (Option<?> o : ALL) {
            for (String flag : o.flags()) {
                String name = flag.replaceFirst("^--?", "");
                for (String spelling : List.of("-" + name, "--" + name)) {
                    try {
                        Flags.parse(spelling + "=1");
                    } catch (Flags.HelpRequested help) {
                        assertThat(o).isSameAs(OptionRegistry.HELP);
                    } catch (IllegalArgumentException e) {
                        assertThat(e).as(spelling).hasMessageNotContaining("not defined");
                    }
                }
            }
        }
    }

    @Test
    void everyKeyIsReadInItsSection() {
        for (Option<?> o : ALL) {
            for (String key : o.keys()) {
                String text = "streaming { " + nested(o.section(), key + ": [1]") + " }";
                assertThatThrownBy(() -> ConfigFile.apply(text, "t.conf", ServerConfig.builder()))
                        .as(text).hasMessageStartingWith("config file t.conf line 1: ")
                        .hasMessageNotContaining("unknown key");
                if (o.perChannel()) {
                    String channel = "store_limits { channels { foo: { " + key + ": [1] } } }";
                    assertThatThrownBy(() -> ConfigFile.apply(channel, "t.conf", ServerConfig.builder()))
                            .as(channel).hasMessageNotContaining("unknown key");
                }
            }
        }
    }

    @Test
    void sectionKeysAndChannelKeysComeFromTheTable() {
        List<String> streaming = OptionRegistry.keys(Section.STREAMING);
        assertThat(streaming).contains("cluster_id", "tls", "store_limits", "file_options", "http", "ft_group")
                .doesNotContain("channels", "client_cert", "sync");
        assertThat(OptionRegistry.keys(Section.STORE_LIMITS)).contains("channels", "per_channel", "max_channels");
        List<String> channel = new ArrayList<>(OptionRegistry.channelKeys());
        assertThat(channel).contains("max_msgs", "mb", "maxage", "max_subscriptions", "mi")
                .doesNotContain("max_channels", "mc");
        assertThat(OptionRegistry.block(Section.STREAMING, "limits")).isEqualTo(Section.STORE_LIMITS);
        assertThat(OptionRegistry.block(Section.STORE_LIMITS, "per_channel_limits")).isEqualTo(Section.CHANNELS);
        assertThat(OptionRegistry.block(Section.STREAMING, "channels")).isNull();
        assertThat(OptionRegistry.block(Section.STREAMING, "cluster")).isEqualTo(Section.CLUSTER);
        assertThat(OptionRegistry.keys(Section.CLUSTER)).contains("node_id", "peers", "bootstrap", "log_path", "sync",
                "raft_logging", "listen", "raft_election_timeout", "log_cache_size", "nodes_connections");
    }

    /** {@code body} inside the blocks that lead from the streaming section to {@code s}. */
    private static String nested(Section s, String body) {
        return s == Section.STREAMING ? body : nested(s.parent, s.keys.get(0) + " { " + body + " }");
    }
}
