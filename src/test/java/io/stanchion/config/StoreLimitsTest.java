package io.stanchion.config;

import io.stanchion.config.StoreLimits.Overrides;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StoreLimitsTest {

    @Test
    void defaultsAreTheOriginals() {
        StoreLimits l = StoreLimits.DEFAULT;
        assertThat(l.maxChannels()).isEqualTo(100);
        assertThat(l.defaults()).isEqualTo(new ChannelLimits(1_000_000, 1_024_000_000L, Duration.ZERO, 1000,
                Duration.ZERO));
        assertThat(l.perChannel()).isEmpty();
        assertThat(l.forChannel("any.channel")).isEqualTo(ChannelLimits.DEFAULT);
    }

    @Test
    void literalBeatsStarBeatsGreaterThanBeatsGlobal() {
        StoreLimits l = StoreLimits.builder()
                .maxMsgs(1000).maxBytes(10_000).maxSubs(10).maxAge(Duration.ofHours(1))
                .channel("foo.>", Overrides.NONE.withMaxMsgs(300).withMaxBytes(3000).withMaxSubs(3))
                .channel("foo.*", Overrides.NONE.withMaxMsgs(200).withMaxBytes(2000))
                .channel("foo.bar", Overrides.NONE.withMaxMsgs(100))
                .build();
        // literal: msgs from itself, bytes from foo.*, subs from foo.>, age from global
        assertThat(l.forChannel("foo.bar")).isEqualTo(new ChannelLimits(100, 2000, Duration.ofHours(1), 3,
                Duration.ZERO));
        // foo.* governs foo.baz (more specific than foo.>)
        assertThat(l.forChannel("foo.baz")).isEqualTo(new ChannelLimits(200, 2000, Duration.ofHours(1), 3,
                Duration.ZERO));
        // only foo.> matches two tokens after foo
        assertThat(l.forChannel("foo.baz.qux")).isEqualTo(new ChannelLimits(300, 3000, Duration.ofHours(1), 3,
                Duration.ZERO));
        // nothing matches: global
        assertThat(l.forChannel("bar")).isEqualTo(new ChannelLimits(1000, 10_000, Duration.ofHours(1), 10,
                Duration.ZERO));
        // foo.> needs at least one token after foo
        assertThat(l.forChannel("foo")).isEqualTo(l.defaults());
    }

    @Test
    void explicitZeroIsUnlimitedForThatFieldOnly() {
        StoreLimits l = StoreLimits.builder()
                .maxMsgs(1000).maxBytes(5000).maxAge(Duration.ofMinutes(5)).maxSubs(7)
                .maxInactivity(Duration.ofMinutes(1))
                .channel("foo.>", Overrides.NONE.withMaxMsgs(50).withMaxAge(Duration.ofSeconds(30)))
                .channel("foo.bar", Overrides.NONE.withMaxMsgs(0).withMaxInactivity(Duration.ZERO))
                .build();
        ChannelLimits c = l.forChannel("foo.bar");
        assertThat(c.maxMsgs()).as("explicit 0: unlimited, not inherited from foo.> nor global").isZero();
        assertThat(c.maxInactivity()).isZero();
        assertThat(c.maxAge()).as("unset: inherited from foo.>").isEqualTo(Duration.ofSeconds(30));
        assertThat(c.maxBytes()).as("unset everywhere: global").isEqualTo(5000);
        assertThat(c.maxSubs()).isEqualTo(7);
    }

    @Test
    void unsetFieldsWalkTheWholeChainOfWiderEntries() {
        StoreLimits l = StoreLimits.builder()
                .channel(">", Overrides.NONE.withMaxSubs(1))
                .channel("a.>", Overrides.NONE.withMaxInactivity(Duration.ofHours(2)))
                .channel("a.b.>", Overrides.NONE.withMaxAge(Duration.ofHours(3)))
                .channel("a.b.*", Overrides.NONE.withMaxBytes(4))
                .channel("a.b.c", Overrides.NONE.withMaxMsgs(5))
                .build();
        assertThat(l.forChannel("a.b.c")).isEqualTo(new ChannelLimits(5, 4, Duration.ofHours(3), 1,
                Duration.ofHours(2)));
        assertThat(l.forChannel("a.b.d")).isEqualTo(new ChannelLimits(1_000_000, 4, Duration.ofHours(3), 1,
                Duration.ofHours(2)));
        assertThat(l.forChannel("a.b.d.e")).isEqualTo(new ChannelLimits(1_000_000, 1_024_000_000L,
                Duration.ofHours(3), 1, Duration.ofHours(2)));
        assertThat(l.forChannel("z")).isEqualTo(ChannelLimits.DEFAULT.withMaxSubs(1));
    }

    @Test
    void specificityOrderIsTotalAndDocumented() {
        List<String> expected = List.of(
                "foo.bar.baz",  // literal
                "foo.bar.*",    // 2 literal tokens, no '>', literal first from the left
                "foo.*.baz",    // 2 literal tokens, no '>'
                "foo.bar.>",    // 2 literal tokens, with '>'
                "foo.*.*",      // 1 literal token, no '>', 3 tokens
                "foo.*",        // 1 literal token, no '>', 2 tokens
                "foo.*.>",      // 1 literal token, '>', 3 tokens
                "foo.>",        // 1 literal token, '>', 2 tokens
                "*.*.*",        // 0 literal tokens
                ">");
        List<String> shuffled = new ArrayList<>(expected);
        Collections.reverse(shuffled);
        shuffled.sort(StoreLimits.SPECIFICITY);
        assertThat(shuffled).isEqualTo(expected);
    }

    @Test
    void mostSpecificWildcardWinsAmongSeveral() {
        StoreLimits l = StoreLimits.builder()
                .channel("foo.*.baz", Overrides.NONE.withMaxMsgs(1))
                .channel("foo.bar.*", Overrides.NONE.withMaxMsgs(2))
                .channel("foo.bar.>", Overrides.NONE.withMaxMsgs(3))
                .channel("foo.*.*", Overrides.NONE.withMaxMsgs(4))
                .build();
        assertThat(l.forChannel("foo.bar.baz").maxMsgs()).isEqualTo(2);
        assertThat(l.forChannel("foo.x.baz").maxMsgs()).isEqualTo(1);
        assertThat(l.forChannel("foo.x.y").maxMsgs()).isEqualTo(4);
        assertThat(l.forChannel("foo.bar.y.z").maxMsgs()).isEqualTo(3);
    }

    @Test
    void aWildcardEntryInheritsFromWiderWildcards() {
        StoreLimits l = StoreLimits.builder()
                .channel("foo.>", Overrides.NONE.withMaxSubs(9))
                .channel("foo.*", Overrides.NONE.withMaxMsgs(8))
                .build();
        assertThat(l.forChannel("foo.*")).isEqualTo(new ChannelLimits(8, 1_024_000_000L, Duration.ZERO, 9,
                Duration.ZERO));
        // foo.* does not cover foo.>
        assertThat(l.forChannel("foo.>").maxMsgs()).isEqualTo(1_000_000);
    }

    @Test
    void matchingFollowsNatsSubjectRules() {
        assertThat(StoreLimits.matches(split("foo.*"), split("foo.bar"))).isTrue();
        assertThat(StoreLimits.matches(split("foo.*"), split("foo"))).isFalse();
        assertThat(StoreLimits.matches(split("foo.*"), split("foo.bar.baz"))).isFalse();
        assertThat(StoreLimits.matches(split("foo.>"), split("foo.bar.baz"))).isTrue();
        assertThat(StoreLimits.matches(split("foo.>"), split("foo"))).isFalse();
        assertThat(StoreLimits.matches(split(">"), split("foo"))).isTrue();
        assertThat(StoreLimits.matches(split("*.bar"), split("foo.bar"))).isTrue();
        assertThat(StoreLimits.matches(split("foo.bar"), split("foo.baz"))).isFalse();
        assertThat(StoreLimits.matches(split("foo.*"), split("foo.>"))).isFalse();
        assertThat(StoreLimits.matches(split("foo.bar"), split("foo.*"))).isFalse();
    }

    @Test
    void negativeGlobalValuesAreRejected() {
        assertThatThrownBy(() -> StoreLimits.builder().maxChannels(-1).build())
                .hasMessage("max_channels limit can't be negative (-1)");
        assertThatThrownBy(() -> StoreLimits.builder().maxSubs(-2).build())
                .hasMessage("max_subs limit can't be negative (-2)");
        assertThatThrownBy(() -> StoreLimits.builder().maxMsgs(-3).build())
                .hasMessage("max_msgs limit can't be negative (-3)");
        assertThatThrownBy(() -> StoreLimits.builder().maxBytes(-4).build())
                .hasMessage("max_bytes limit can't be negative (-4)");
        assertThatThrownBy(() -> StoreLimits.builder().maxAge(Duration.ofSeconds(-5)).build())
                .hasMessage("max_age limit can't be negative (-5s)");
        assertThatThrownBy(() -> StoreLimits.builder().maxInactivity(Duration.ofMinutes(-1)).build())
                .hasMessage("max_inactivity limit can't be negative (-1m0s)");
        assertThatThrownBy(() -> Overrides.NONE.withMaxMsgs(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void tooManyLiteralEntriesAreRejectedButWildcardsDoNotCount() {
        StoreLimits.Builder b = StoreLimits.builder().maxChannels(2)
                .channel("a", Overrides.NONE.withMaxMsgs(1))
                .channel("b", Overrides.NONE.withMaxMsgs(1))
                .channel("c.*", Overrides.NONE.withMaxMsgs(1))
                .channel("d.>", Overrides.NONE.withMaxMsgs(1));
        assertThat(b.build().perChannel()).hasSize(4);
        b.channel("c", Overrides.NONE.withMaxMsgs(1));
        assertThatThrownBy(b::build).hasMessage("too many channels defined in per-channel limits (3 literal "
                + "names), the max_channels limit is set to 2");
        b.origin("config file x.conf line 7");
        assertThatThrownBy(b::build).hasMessageStartingWith("config file x.conf line 7: too many channels");
        assertThat(b.maxChannels(0).build().perChannel()).as("0 = unlimited channels").hasSize(5);
    }

    @Test
    void invalidNamesAreRejected() {
        for (String bad : List.of("foo*", "*foo", "foo.b>r", ">.foo", "foo.>.bar", "foo..bar", ".foo", "foo.", "",
                "foo bar", "foo/bar")) {
            assertThat(StoreLimits.invalidNameReason(bad)).as(bad).isNotNull();
            assertThatThrownBy(() -> StoreLimits.builder().channel(bad, Overrides.NONE).build())
                    .as(bad).hasMessageStartingWith("invalid channel name \"" + bad + "\" in per-channel limits: ");
        }
        assertThat(StoreLimits.invalidNameReason("foo*")).isEqualTo("a wildcard must be a whole token, like foo.* "
                + "or foo.>");
        assertThat(StoreLimits.invalidNameReason(">.foo")).isEqualTo("'>' must be the last token");
        assertThat(StoreLimits.invalidNameReason("foo..bar")).startsWith("empty token");
        for (String good : List.of("foo", "foo.bar", "foo.*", "foo.>", "*", ">", "*.*.>", "a-b_c.d")) {
            assertThat(StoreLimits.invalidNameReason(good)).as(good).isNull();
        }
    }

    @Test
    void describeShowsGlobalsWithDefaultsMarkedAndEachEntryWithItsSources() {
        StoreLimits l = StoreLimits.builder().maxChannels(50)
                .channel("foo", Overrides.NONE.withMaxMsgs(300))
                .channel("bar.>", Overrides.NONE.withMaxMsgs(50).withMaxBytes(1024))
                .channel("bar.baz", Overrides.NONE.withMaxAge(Duration.ofHours(1)).withMaxSubs(0))
                .build();
        String text = l.describe();
        assertThat(text).contains("---------- Store Limits ----------");
        assertThat(text).contains("Channels:                   50\n");
        assertThat(text).contains("  Subscriptions:          1000 *\n");
        assertThat(text).contains("  Messages     :       1000000 *\n");
        assertThat(text).contains("  Bytes        :     976.56 MB *\n");
        assertThat(text).contains("  Age          :     unlimited *\n");
        assertThat(text).contains("-------- List of Channels --------");
        // widest first
        assertThat(text.indexOf("\nbar.>\n")).isLessThan(text.indexOf("\nbar.baz\n"));
        assertThat(text).contains("bar.baz\n |-> Subscriptions:     unlimited\n |-> Messages     :            50 * "
                + "(bar.>)\n |-> Bytes        :       1.00 KB * (bar.>)\n |-> Age          :        1h0m0s\n"
                + " |-> Inactivity   :     unlimited *\n");
        assertThat(text).contains("foo\n |-> Subscriptions:          1000 *\n |-> Messages     :           300\n");
        assertThat(text).endsWith("(* = default value; for a channel: inherited, from the entry in parentheses or "
                + "the global limits)");
    }

    @Test
    void friendlyBytes() {
        assertThat(StoreLimits.friendlyBytes(512)).isEqualTo("512 B");
        assertThat(StoreLimits.friendlyBytes(1024)).isEqualTo("1.00 KB");
        assertThat(StoreLimits.friendlyBytes(1_024_000_000L)).isEqualTo("976.56 MB");
        assertThat(StoreLimits.friendlyBytes(1L << 30)).isEqualTo("1.00 GB");
    }

    @Test
    void toBuilderRoundTrips() {
        StoreLimits l = StoreLimits.builder().maxChannels(3).maxMsgs(9)
                .channel("a.*", Overrides.NONE.withMaxSubs(2)).build();
        assertThat(l.toBuilder().build()).isEqualTo(l);
        assertThat(l.toBuilder().maxMsgs(8).build()).isNotEqualTo(l);
    }

    private static String[] split(String s) {
        return s.split("\\.", -1);
    }
}
