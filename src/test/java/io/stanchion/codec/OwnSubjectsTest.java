package io.stanchion.codec;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which subjects a client may name for the server to publish to. */
class OwnSubjectsTest {
    private final OwnSubjects own = OwnSubjects.of(Subjects.forCluster("my.discover", "cid", "tok"), "_INBOX.req.");

    @Test
    void theServersSubjectsAndWildcardsAreRefused() {
        for (String s : new String[]{"my.discover.cid", "my.discover.cid.pings", "_STAN.pub.cid.x",
                "_STAN.pub.cid.a.b", "_STAN.sub.cid", "_STAN.unsub.cid", "_STAN.subclose.cid", "_STAN.close.cid",
                "_INBOX.tok.abc", "_INBOX.req.x.1", "*", ">", "a.*", "a.>.b", "_STAN.acks.*"}) {
            assertThat(own.refused(s)).as(s).isTrue();
        }
    }

    @Test
    void clientInboxesAreAccepted() {
        for (String s : new String[]{"", "_STAN.acks.abc", "_INBOX.abc", "_INBOX.tokx.1", "_STAN.pub.cid",
                "_STAN.pub.cidx.y", "my.discover.cid2", "my.discover", "_STAN.sub.cid.x", "a>b", "a.b*", "x"}) {
            assertThat(own.refused(s)).as(s).isFalse();
        }
        assertThat(OwnSubjects.of(Subjects.forCluster("cid", "tok"), null).refused("_INBOX.abc")).isFalse();
    }
}
