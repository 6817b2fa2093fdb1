package io.stanchion.ft;

import io.stanchion.config.Flags;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The FT heartbeat's encoding, who yields when two servers claim to be active, and the ft_group option. */
class FtHeartbeatTest {

    @Test
    void aHeartbeatRoundTripsAndAnythingElseIsIgnored() {
        FtHeartbeat hb = new FtHeartbeat("abc", 1_700_000_000_123L);
        assertThat(FtHeartbeat.decode(hb.encode())).isEqualTo(hb);
        for (String junk : new String[] {"", "STANFT/1 ", "STANFT/1 abc", "STANFT/1 abc x", "STANFT/2 abc 1",
                "STANFT/1 abc 1 2"}) {
            assertThat(FtHeartbeat.decode(junk.getBytes(StandardCharsets.UTF_8))).as(junk).isNull();
        }
        assertThat(FtHeartbeat.subject("cid", "grp")).isEqualTo("_STAN.ft.cid.grp");
    }

    @Test
    void theServerThatBecameActiveLaterYieldsAndExactlyOneOfTwoTiedDoes() {
        FtHeartbeat early = new FtHeartbeat("b", 100);
        FtHeartbeat late = new FtHeartbeat("a", 200);
        assertThat(late.yieldsTo(early)).isTrue();
        assertThat(early.yieldsTo(late)).isFalse();
        FtHeartbeat x = new FtHeartbeat("x", 300);
        FtHeartbeat y = new FtHeartbeat("y", 300);
        assertThat(x.yieldsTo(y) ^ y.yieldsTo(x)).isTrue();
    }

    @Test
    void ftGroupNeedsTheFileStoreAndNoClustering() {
        assertThat(Flags.parse("-ft_group", "grp", "-store", "file", "-dir", "/tmp/x").ftGroup).isEqualTo("grp");
        assertThatThrownBy(() -> Flags.parse("-ft_group", "grp")).hasMessageContaining("needs the FILE store");
        assertThatThrownBy(() -> Flags.parse("-ft_group", "g.*", "-store", "file", "-dir", "/tmp/x"))
                .hasMessageContaining("invalid ft_group");
        assertThatThrownBy(() -> Flags.parse("-ft_group", "grp", "-store", "file", "-dir", "/tmp/x", "-clustered",
                "-cluster_node_id", "a", "-cluster_peers", "a@127.0.0.1:1")).hasMessageContaining("clustering");
    }
}
