package io.stanchion.cluster;

import io.stanchion.StanchionServer;
import io.stanchion.codec.Inbound;
import io.stanchion.codec.Subjects;
import io.stanchion.config.ServerConfig;
import io.stanchion.engine.Engine;
import io.stanchion.engine.FailStop;
import io.stanchion.monitor.Metrics;
import io.stanchion.store.MessageStore;
import io.stanchion.store.RecoveredState;
import io.stanchion.store.StateStore;
import io.stanchion.store.oplog.RecordingStores;
import io.stanchion.Stores;
import io.stanchion.transport.EngineOutput;
import io.stanchion.transport.JnatsTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;

/**
 * A cluster node serving clients while it leads one Raft term: its own NATS connections, an {@link Engine} over the
 * node's freshly recovered stores wrapped in {@link RecordingStores} (every write becomes an operation proposed to
 * Raft), output held by {@link ReplicatedOutput} until committed, and the STAN subscriptions. The engine's start
 * redelivers everything pending, as after a standalone restart. With {@code cluster_allow_add_remove_node}, its
 * {@link MembershipChanges} answer node.add / node.remove requests on the same connection for as long as the term
 * serves. {@link #close} stops all of it; the stores stay open (the node owns them).
 *
 * <p>Threading: created and closed by the node's role thread; the engine runs on its own thread.
 */
final class LeaderTerm implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("io.stanchion.STREAM");
    /** How long a stopping engine may take to end its batch before it is interrupted. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(5);

    private final JnatsTransport jnats;
    private final EngineOutput output;
    private final Engine engine;
    private final Proposer proposer;
    private final MembershipChanges membership;

    private LeaderTerm(JnatsTransport jnats, EngineOutput output, Engine engine, Proposer proposer,
                       MembershipChanges membership) {
        this.jnats = jnats;
        this.output = output;
        this.engine = engine;
        this.proposer = proposer;
        this.membership = membership;
    }

    /**
     * Starts serving over {@code messages} and {@code state} (opened just now, so their recovered state is every
     * committed entry) and {@code jnats} (connected; closed by the term). {@code lost} runs (on the engine thread)
     * when a proposal is not committed. {@code membership} (null: membership changes off) is served once clients
     * are.
     */
    static LeaderTerm start(ServerConfig config, JnatsTransport jnats, MessageStore messages, StateStore state,
                            Proposer proposer, MembershipChanges membership, Metrics metrics, FailStop failStop,
                            String serverId, Runnable lost)
            throws IOException, StanchionServer.StartupException {
        RecoveredState recovered = state.recovered();
        StanchionServer.checkClusterId(config, recovered);
        EngineOutput output = null;
        Engine engine = null;
        try {
            output = EngineOutput.over(jnats, config);
            ReplicatedOutput replicated = new ReplicatedOutput(output, proposer, lost);
            RecordingStores recording = new RecordingStores(messages, state, replicated::propose);
            io.stanchion.store.MessageStore served = Stores.forEngine(config, recording.messages()); // before any write
            String ackToken = recovered.ackToken();
            if (ackToken == null) { // the group's first leader names the ack inboxes for every later one
                ackToken = serverId;
                recording.state().serverInfo(config.clusterId, ackToken);
            }
            Subjects subjects = Subjects.forCluster(config.discoverPrefix, config.clusterId, ackToken);
            engine = new Engine(config, served, recording.state(), replicated, subjects,
                    metrics.engineMetrics(), failStop);
            replicated.attach(recording, engine::offer);
            engine.start();
            metrics.bind(engine);
            Inbound inbound = new Inbound(engine, jnats, subjects);
            output.receive(inbound.routes(subjects), Duration.ofSeconds(5));
            if (membership != null) {
                membership.serve(jnats);
            }
            LOG.info("Serving clients as the cluster leader (NATS at {}){}", jnats.connectedUrl(),
                    membership != null ? "; node.add / node.remove requests answered" : "");
            return new LeaderTerm(jnats, output, engine, proposer, membership);
        } catch (IOException | StanchionServer.StartupException | RuntimeException e) {
            if (membership != null) {
                membership.close();
            }
            proposer.close();
            if (output != null) {
                output.stopReceiving();
            }
            if (engine != null) {
                engine.stop(STOP_WAIT);
            }
            jnats.close();
            if (output != null) {
                output.close();
            }
            throw e;
        }
    }

    Engine engine() {
        return engine;
    }

    /** Stops serving: no more input, the engine ends (what it holds uncommitted is never sent), connections closed. */
    @Override
    public void close() {
        stopMembership();
        output.stopReceiving();
        proposer.close();
        engine.stop(STOP_WAIT);
        jnats.close();
        output.close();
    }

    /**
     * A graceful stop: as {@link #close}, but the engine's last proposals are let through, and the answer says
     * whether every proposal of the term was committed within {@code timeout} (then the stores hold committed
     * entries only).
     */
    boolean closeCommitted(Duration timeout) {
        stopMembership();
        output.stopReceiving();
        engine.stop(STOP_WAIT); // writes and proposes its last batch
        boolean committed = proposer.drain(timeout);
        proposer.close();
        jnats.close();
        output.close();
        return committed;
    }

    private void stopMembership() {
        if (membership != null) {
            membership.close();
        }
    }
}
