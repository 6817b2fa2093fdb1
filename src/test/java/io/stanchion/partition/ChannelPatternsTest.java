package io.stanchion.partition;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChannelPatternsTest {

    private static void overlap(String a, String b, boolean expected) {
        assertThat(ChannelPatterns.overlap(a, b)).as(a + " ~ " + b).isEqualTo(expected);
        assertThat(ChannelPatterns.overlap(b, a)).as(b + " ~ " + a).isEqualTo(expected);
    }

    @Test
    void literals() {
        overlap("foo", "foo", true);
        overlap("foo.bar", "foo.bar", true);
        overlap("foo", "bar", false);
        overlap("foo", "foo.bar", false);
        overlap("foo.bar", "foo.baz", false);
    }

    @Test
    void singleTokenWildcard() {
        overlap("foo.*", "foo.bar", true);
        overlap("foo.*", "foo", false);
        overlap("foo.*", "foo.bar.baz", false);
        overlap("*", "foo", true);
        overlap("*.bar", "foo.*", true);
        overlap("foo.*.baz", "foo.bar.*", true);
        overlap("foo.*.baz", "foo.bar.qux", false);
        overlap("foo.*", "bar.*", false);
        overlap("*.*", "foo.bar", true);
        overlap("*.*", "foo.bar.baz", false);
    }

    @Test
    void fullWildcard() {
        overlap("foo.>", "foo.*.baz", true);
        overlap("foo.>", "foo.bar", true);
        overlap("foo.>", "foo.bar.baz.qux", true);
        overlap("foo.>", "foo", false);
        overlap("foo.>", "bar.>", false);
        overlap(">", "anything.at.all", true);
        overlap(">", "x", true);
        overlap("foo.*.>", "foo.bar", false);
        overlap("foo.*.>", "foo.bar.baz", true);
        overlap("*.bar.>", "foo.>", true);
        overlap("foo.bar.>", "foo.baz.>", false);
    }

    @Test
    void matchesLiteralChannels() {
        assertThat(ChannelPatterns.matches("orders.*", "orders.eu")).isTrue();
        assertThat(ChannelPatterns.matches("orders.*", "orders")).isFalse();
        assertThat(ChannelPatterns.matches("orders.>", "orders.eu.paris")).isTrue();
        assertThat(ChannelPatterns.matches("orders", "orders")).isTrue();
    }

    @Test
    void overlapsNameBothEntries() {
        assertThat(ChannelPatterns.overlaps(List.of("foo.*", "bar", "qux"), List.of("foo.bar", "bar", "baz")))
                .containsExactly("\"foo.*\" ~ \"foo.bar\"", "\"bar\"");
        assertThat(ChannelPatterns.overlaps(List.of("a.>"), List.of("b.>", "a"))).isEmpty();
    }

    @Test
    void partitionOwnsAndSubscribes() {
        Partition p = new Partition(List.of("orders.*", "audit"));
        assertThat(p.owns("orders.eu")).isTrue();
        assertThat(p.owns("audit")).isTrue();
        assertThat(p.owns("audit.x")).isFalse();
        assertThat(p.owns("orders")).isFalse();
        assertThat(p.publishSubjects("_STAN.pub.c")).containsExactly("_STAN.pub.c.orders.*", "_STAN.pub.c.audit");
        assertThat(p.queue()).doesNotContain(" ", ".", "*", ">");
        assertThatThrownBy(() -> new Partition(List.of())).hasMessage("stan: no configured channel");
    }

    @Test
    void exchangeMessagesRoundTrip() {
        byte[] m = PartitionExchange.encode("announce", "abc123", List.of("foo.*", "bar"));
        assertThat(new String(m, java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("STANPART/1 announce abc123\nfoo.*\nbar");
        PartitionExchange.Message d = PartitionExchange.decode(m);
        assertThat(d).isEqualTo(new PartitionExchange.Message("announce", "abc123", List.of("foo.*", "bar")));
        assertThat(PartitionExchange.decode("garbage".getBytes())).isNull();
        assertThat(PartitionExchange.decode("STANPART/2 answer x\nfoo".getBytes())).isNull();
        assertThat(PartitionExchange.decode(null)).isNull();
    }
}
