package io.stanchion.cluster;

import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Submits the leader's operation batches to its own Raft server (no network hop): the returned future completes
 * when the entry is committed by a majority and applied here. At most {@value #MAX_OUTSTANDING} proposals and
 * {@value #MAX_OUTSTANDING_BYTES} bytes are in flight; beyond that {@link #propose} waits (backpressure on the
 * engine) until one completes or the proposer is closed. Threading: {@link #propose} on one thread (the engine's); futures complete on Ratis threads.
 */
final class Proposer implements AutoCloseable, ReplicatedOutput.Proposals {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Proposer.class);
    static final int MAX_OUTSTANDING = 256;
    /** Bytes of proposed entries not yet committed, at most (a larger entry alone takes all of it). */
    static final int MAX_OUTSTANDING_BYTES = 32 << 20;
    private final RaftServer server;
    private final RaftGroupId group;
    private final RaftPeerId self;
    private final ClientId clientId = ClientId.randomId();
    private final Semaphore outstanding = new Semaphore(MAX_OUTSTANDING);
    private final Semaphore outstandingBytes = new Semaphore(MAX_OUTSTANDING_BYTES);
    private long callId;
    private volatile boolean closed;
    private volatile boolean failedAny;

    Proposer(RaftServer server, RaftGroupId group, RaftPeerId self) {
        this.server = server;
        this.group = group;
        this.self = self;
    }

    /** Proposes one entry; the future says whether it was committed (false or failed: it was not, by us). */
    @Override
    public CompletableFuture<Boolean> propose(byte[] entry) {
        if (closed) {
            failedAny = true;
            return CompletableFuture.failedFuture(new IOException("no longer proposing"));
        }
        int bytes = Math.min(entry.length, MAX_OUTSTANDING_BYTES);
        if (!acquire(outstanding, 1)) {
            return CompletableFuture.failedFuture(new IOException("no longer proposing"));
        }
        if (!acquire(outstandingBytes, bytes)) {
            outstanding.release();
            return CompletableFuture.failedFuture(new IOException("no longer proposing"));
        }
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(clientId).setServerId(self).setGroupId(group).setCallId(++callId)
                .setMessage(Message.valueOf(UnsafeByteOperations.unsafeWrap(entry)))
                .setType(RaftClientRequest.writeRequestType())
                .build();
        CompletableFuture<RaftClientReply> reply;
        try {
            reply = server.submitClientRequestAsync(request);
        } catch (IOException | RuntimeException e) {
            outstanding.release();
            outstandingBytes.release(bytes);
            return CompletableFuture.failedFuture(e);
        }
        return reply.handle((r, e) -> {
            boolean committed = e == null && r.isSuccess();
            if (!committed) {
                // Later entries depend on this one's writes: none may be proposed after it (one refused before
                // Ratis appended it, then a later one committed, would leave a gap in every node's stores). A
                // refusal completes the reply before submitClientRequestAsync returns, so this runs first.
                closed = true;
                failedAny = true;
                LOG.warn("Raft entry not committed: {}", e != null ? e.toString()
                        : r.getException() == null ? "no success" : r.getException().toString());
            }
            outstanding.release();
            outstandingBytes.release(bytes);
            return committed;
        });
    }

    /** Takes {@code n} permits, waiting while there is no room; false when closed (or interrupted) meanwhile. */
    private boolean acquire(Semaphore s, int n) {
        try {
            while (!s.tryAcquire(n, 100, TimeUnit.MILLISECONDS)) {
                if (closed) {
                    failedAny = true;
                    return false;
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failedAny = true;
            return false;
        }
    }

    /**
     * Waits up to {@code timeout} for every proposal made to complete; true when all of them were committed (so
     * the stores the engine wrote hold committed entries only).
     */
    boolean drain(java.time.Duration timeout) {
        try {
            if (!outstanding.tryAcquire(MAX_OUTSTANDING, timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        outstanding.release(MAX_OUTSTANDING);
        return !failedAny;
    }

    /** Proposals waiting for room give up; new ones fail at once. */
    @Override
    public void close() {
        closed = true;
    }
}
