package io.stanchion.cluster;

import io.stanchion.store.oplog.Operation;
import io.stanchion.store.oplog.OperationApplier;
import io.stanchion.store.oplog.OperationCodec;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The Raft state machine (Apache Ratis) of a cluster node. Its log entries are serialised {@link Operation} batches
 * (store/oplog). A follower applies each committed entry, in log order, to its stores through
 * {@link OperationApplier#apply} and notes it in {@link NodeMarks} (the stores are the node's snapshot; Ratis
 * replays from the entry after the noted one). While the node leads, its own engine has already written the entries
 * of its term to its stores before proposing them: those are only counted.
 *
 * <p>Role changes go to the node's {@link Roles} listener, which must not block Ratis' threads. An entry that cannot
 * be decoded or applied (the node diverged, a store fault) fails the node ({@link Roles#failed}).
 *
 * <p>Threading: Ratis calls {@link #applyTransaction} on its state-machine updater thread, holding {@link #lock};
 * the node hands the stores over ({@link #follow}, {@link #lead}) under the same lock.
 */
final class ClusterStateMachine extends BaseStateMachine {

    /** The node's reactions to what Ratis reports. */
    interface Roles {
        /** This node became leader and has applied every earlier entry. */
        void leaderReady();

        /** This node is no longer leader (or another one is). */
        void notLeader();

        /** An entry could not be applied: the node must stop. */
        void failed(String what, Throwable cause);

        /** Ratis stopped this node's Raft: it found itself outside the group's configuration (or the node closes). */
        default void raftStopped() {
        }
    }

    /** Held while an entry is applied and while the stores change hands. */
    final ReentrantLock lock = new ReentrantLock();
    /** Signalled when the stores go back to the applier ({@link #follow}). */
    private final java.util.concurrent.locks.Condition following = lock.newCondition();
    private final NodeMarks marks;
    private final Roles roles;
    /** Applies followed entries; null while leading. Guarded by {@link #lock}. */
    private OperationApplier applier;
    /** The term this node leads, or -1. Guarded by {@link #lock}. */
    private long leadingTerm = -1;
    /** The first index its engine's entries can have: entries of the term from here on are in the stores. */
    private long leadingFrom = Long.MAX_VALUE;
    /** This node's Raft log, looked up once (on the first applied entry). Guarded by {@link #lock}. */
    private org.apache.ratis.server.raftlog.RaftLog raftLog;

    ClusterStateMachine(NodeMarks marks, Roles roles) {
        this.marks = marks;
        this.roles = roles;
    }

    /** From now on committed entries are applied by {@code applier}. Call with {@link #lock} held. */
    void follow(OperationApplier next) {
        this.applier = next;
        this.leadingTerm = -1;
        this.leadingFrom = Long.MAX_VALUE;
        following.signalAll();
    }

    /**
     * From now on the entries of {@code term} from index {@code from} on are this node's engine's own (written to
     * the stores before they were proposed). Every entry before {@code from} must have been applied. Call with
     * {@link #lock} held.
     */
    void lead(long term, long from) {
        this.applier = null;
        this.leadingTerm = term;
        this.leadingFrom = from;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage storage) throws IOException {
        super.initialize(server, groupId, storage);
        SnapshotInfo s = getLatestSnapshot();
        if (s != null) {
            updateLastAppliedTermIndex(s.getTerm(), s.getIndex());
        }
    }

    /** The stores as the snapshot: the entry they reach, with no file of its own (the log is never purged). */
    @Override
    public SnapshotInfo getLatestSnapshot() {
        long[] a = marks.applied();
        if (a == null) {
            return null;
        }
        TermIndex at = TermIndex.valueOf(a[0], a[1]);
        return new SnapshotInfo() {
            @Override
            public TermIndex getTermIndex() {
                return at;
            }

            @Override
            public List<FileInfo> getFiles() {
                return List.of();
            }
        };
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        lock.lock();
        try {
            if (entry.getTerm() != leadingTerm || entry.getIndex() < leadingFrom) {
                // Another leader's entry while this node's engine still owns the stores: the node lost the
                // leadership and is about to step down; the entry waits until the stores are rebuilt and followed.
                while (applier == null) {
                    roles.notLeader();
                    following.await(1, java.util.concurrent.TimeUnit.SECONDS);
                }
                applier.apply(decode(entry));
                noteApplied(entry.getIndex());
            }
            updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        } catch (IOException | RuntimeException e) {
            roles.failed("cannot apply Raft entry " + entry.getIndex(), e);
            return CompletableFuture.failedFuture(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableFuture.failedFuture(e);
        } finally {
            lock.unlock();
        }
        return CompletableFuture.completedFuture(Message.EMPTY);
    }

    /**
     * Notes that the stores reach entry {@code index} — or only the last entry this node's Raft log holds durably,
     * if that is lower: Ratis replays from the noted entry after a restart, and a note beyond the local log's end
     * (a leader's entries commit on the followers before its own log worker has written them) would leave the
     * node unable to take the missing entries from the leader. Entries between are applied again, which the
     * applier tolerates. Call with {@link #lock} held.
     */
    void noteApplied(long index) {
        try {
            if (raftLog == null) {
                raftLog = getServer().join().getDivision(getGroupId()).getRaftLog();
            }
            var log = raftLog;
            long durable = Math.min(index, log.getFlushIndex());
            var at = log.getTermIndex(durable);
            if (at != null) {
                marks.applied(at.getTerm(), at.getIndex());
            }
        } catch (IOException e) {
            throw new io.stanchion.store.StoreException("cannot read the Raft log: " + e.getMessage(), e);
        }
    }

    /** The operation batch an entry carries. */
    static Operation decode(LogEntryProto entry) throws IOException {
        return OperationCodec.decode(entry.getStateMachineLogEntry().getLogData().toByteArray());
    }

    @Override
    public void notifyLeaderReady() {
        roles.leaderReady();
    }

    @Override
    public void notifyNotLeader(Collection<TransactionContext> pendingEntries) {
        roles.notLeader();
    }

    /**
     * Called by Ratis when it closes this node's Raft: on an election that finds the node outside the configuration
     * (removed), and when the node closes it.
     */
    @Override
    public void notifyServerShutdown(org.apache.ratis.proto.RaftProtos.RoleInfoProto roleInfo, boolean allServer) {
        roles.raftStopped();
    }

    @Override
    public void notifyLeaderChanged(RaftGroupMemberId member, RaftPeerId newLeader) {
        if (newLeader == null || !newLeader.equals(member.getPeerId())) {
            roles.notLeader();
        }
    }
}
