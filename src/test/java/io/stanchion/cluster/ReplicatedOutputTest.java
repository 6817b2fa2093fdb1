package io.stanchion.cluster;

import io.stanchion.engine.Command;
import io.stanchion.store.ClientRecord;
import io.stanchion.store.memory.MemoryMessageStore;
import io.stanchion.store.memory.NoStateStore;
import io.stanchion.store.oplog.Operation;
import io.stanchion.store.oplog.OperationCodec;
import io.stanchion.store.oplog.RecordingStores;
import io.stanchion.transport.Transport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The leader's output gate: nothing the engine says after a state change leaves before the change is committed,
 * released messages keep their order whatever order the commits are reported in, and after a failed proposal
 * nothing held (or published later) ever leaves.
 */
class ReplicatedOutputTest {
    private final List<String> sent = new ArrayList<>();
    private final List<CompletableFuture<Boolean>> proposals = new ArrayList<>();
    private final List<byte[]> entries = new ArrayList<>();
    private final AtomicInteger lost = new AtomicInteger();
    private ReplicatedOutput output;
    private RecordingStores stores;

    @BeforeEach
    void setUp() {
        Transport wire = new Transport() {
            @Override
            public void publish(String subject, byte[] payload) {
                sent.add(subject);
            }

            @Override
            public void probe(String subject, byte[] payload, Duration timeout, Consumer<Boolean> onResult) {
                sent.add("probe " + subject);
            }
        };
        output = new ReplicatedOutput(wire, entry -> {
            CompletableFuture<Boolean> f = new CompletableFuture<>();
            proposals.add(f);
            entries.add(entry);
            return f;
        }, lost::incrementAndGet);
        stores = new RecordingStores(new MemoryMessageStore(), new NoStateStore(), output::propose);
        // the engine runs the wake-up task, then flushes (the end of its loop): here, at once
        output.attach(stores, c -> {
            ((Command.Task) c).work().run();
            output.flush();
            return true;
        });
    }

    private void change(String clientId) {
        stores.state().addClient(new ClientRecord(clientId, "_INBOX.hb", new byte[] {1}, 1, 5, 3));
    }

    @Test
    void aMessageWithNothingOutstandingBeforeItLeavesAtOnce() {
        output.publish("reply.ping", new byte[0]);
        output.probe("hb", new byte[0], Duration.ofSeconds(1), ok -> { });
        assertThat(sent).containsExactly("reply.ping", "probe hb");
        assertThat(proposals).isEmpty();
    }

    @Test
    void aReplyAfterAStateChangeWaitsForItsCommit() {
        change("c1");
        output.publish("reply.connect", new byte[0]);
        assertThat(sent).isEmpty();
        output.flush(); // the end of the batch: the change is proposed
        assertThat(proposals).hasSize(1);
        assertThat(sent).isEmpty();
        proposals.get(0).complete(true);
        assertThat(sent).containsExactly("reply.connect");
        // a message after the commit, with nothing new outstanding, leaves at once
        output.publish("reply.ping", new byte[0]);
        assertThat(sent).containsExactly("reply.connect", "reply.ping");
    }

    @Test
    void releasedMessagesKeepTheirOrderWhateverOrderCommitsAreReportedIn() {
        change("c1");
        output.publish("first", new byte[0]);
        output.flush();
        output.publish("second", new byte[0]); // waits for proposal 1 too
        change("c2");
        output.publish("third", new byte[0]);
        output.flush();
        assertThat(proposals).hasSize(2);
        proposals.get(1).complete(true);
        assertThat(sent).isEmpty();
        proposals.get(0).complete(true);
        assertThat(sent).containsExactly("first", "second", "third");
    }

    @Test
    void afterAFailedProposalNothingHeldOrLaterEverLeaves() {
        change("c1");
        output.publish("held", new byte[0]);
        output.flush();
        proposals.get(0).complete(false);
        assertThat(lost).hasValue(1);
        output.publish("later", new byte[0]);
        output.flush();
        assertThat(sent).isEmpty();
        proposals.forEach(f -> f.complete(true));
        assertThat(sent).isEmpty();
        assertThat(lost).hasValue(1);
    }

    @Test
    void aLargeBatchIsSplitIntoEntriesThatTogetherHoldItInOrder() throws Exception {
        var log = stores.messages().channel("big");
        byte[] record = new byte[256 * 1024];
        for (int i = 0; i < 40; i++) { // 10 MiB
            log.append(1_000 + i, record);
        }
        output.publish("puback", new byte[0]);
        output.flush();
        assertThat(proposals).hasSizeGreaterThan(1);
        List<Operation> all = new ArrayList<>();
        for (byte[] e : entries) {
            assertThat(e.length).isLessThan((int) RaftSettings.MAX_ENTRY.getSize());
            all.addAll(((Operation.Batch) OperationCodec.decode(e)).operations());
        }
        assertThat(all).hasSize(41);
        assertThat(all.get(0)).isEqualTo(new Operation.CreateChannel("big"));
        for (int i = 0; i < 40; i++) {
            assertThat(((Operation.Append) all.get(i + 1)).sequence()).isEqualTo(i + 1);
        }
        for (int i = 0; i < proposals.size() - 1; i++) {
            proposals.get(i).complete(true);
        }
        assertThat(sent).as("held until the batch's last entry commits").isEmpty();
        proposals.get(proposals.size() - 1).complete(true);
        assertThat(sent).containsExactly("puback");
    }
}
