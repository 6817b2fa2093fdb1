package io.stanchion.cluster;

import io.stanchion.store.oplog.Operation;
import io.stanchion.store.oplog.OperationApplier;
import io.stanchion.store.oplog.OperationCodec;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * A Raft state machine (Apache Ratis) whose log entries are serialised {@link Operation} batches: each committed
 * entry is decoded and applied, in log order, to this node's stores through {@link OperationApplier#apply}. This is
 * the replication half of clustering: what a leader's engine writes, captured as operations, reaches every node's
 * stores in the same order. An entry that cannot be decoded or applied (the node diverged) fails the returned
 * future and is not marked applied.
 *
 * <p>Threading: Ratis calls {@link #applyTransaction} from its state-machine updater thread, one entry at a time;
 * that thread is the only one writing the stores.
 */
public final class OperationReplica extends BaseStateMachine {
    private final OperationApplier applier;

    public OperationReplica(OperationApplier applier) {
        this.applier = applier;
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        try {
            Operation op = OperationCodec.decode(entry.getStateMachineLogEntry().getLogData().toByteArray());
            applier.apply(op);
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        return CompletableFuture.completedFuture(Message.EMPTY);
    }
}
