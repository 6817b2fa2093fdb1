package io.stanchion.engine;

import io.stanchion.codec.AckDecoder;
import io.stanchion.codec.PubMsgDecoder;
import io.stanchion.codec.Subjects;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.stanchion.config.ServerConfig;
import io.stanchion.protocol.pb.Ack;
import io.stanchion.protocol.pb.CloseRequest;
import io.stanchion.protocol.pb.CloseResponse;
import io.stanchion.protocol.pb.ConnectRequest;
import io.stanchion.protocol.pb.ConnectResponse;
import io.stanchion.protocol.pb.MsgProto;
import io.stanchion.protocol.pb.PubAck;
import io.stanchion.protocol.pb.PubMsg;
import io.stanchion.protocol.pb.SubscriptionRequest;
import io.stanchion.protocol.pb.SubscriptionResponse;
import io.stanchion.protocol.pb.UnsubscribeRequest;
import io.stanchion.store.MessageStore;
import io.stanchion.store.StateStore;
import io.stanchion.store.memory.MemoryMessageStore;
import io.stanchion.store.memory.NoStateStore;
import io.stanchion.transport.Transport;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Drives a {@link StateMachine} in the test's own thread, with a {@link FakeClock} and a {@link FakeTransport}: no
 * thread, no network, no real time. Commands are handled in batches as the engine thread handles them (handle each,
 * end the batch, run due timers, flush the output); {@link #advance} moves the clock from timer to timer, so a test
 * of a 30 s AckWait runs in microseconds. The client-side helpers build the same protobuf requests a STAN client
 * sends and decode what the machine published.
 */
final class EngineHarness {
    /** A settable clock; wall time moves with monotonic time. */
    static final class FakeClock implements Clock {
        long nanos = 1_000_000_000L;
        long wallOffset = 1_700_000_000_000_000_000L;

        @Override
        public long nanos() {
            return nanos;
        }

        @Override
        public long wallNanos() {
            return wallOffset + nanos;
        }
    }

    /** Records every publish; probes wait until the test answers them. */
    static final class FakeTransport implements Transport {
        record Published(String subject, byte[] payload) {
        }

        record Probe(String subject, Consumer<Boolean> onResult) {
        }

        final List<Published> published = new ArrayList<>();
        final List<Probe> probes = new ArrayList<>();

        @Override
        public void publish(String subject, byte[] payload) {
            published.add(new Published(subject, payload.clone()));
        }

        @Override
        public void probe(String subject, byte[] payload, Duration timeout, Consumer<Boolean> onResult) {
            probes.add(new Probe(subject, onResult));
        }

        List<byte[]> on(String subject) {
            List<byte[]> out = new ArrayList<>();
            for (Published p : published) {
                if (p.subject.equals(subject)) {
                    out.add(p.payload);
                }
            }
            return out;
        }
    }

    final FakeClock clock = new FakeClock();
    final FakeTransport transport = new FakeTransport();
    final Subjects subjects = Subjects.forCluster("test-cluster", "tok");
    final MessageStore store;
    final StateStore state;
    final StateMachine machine;
    private final ArrayDeque<Command> queue = new ArrayDeque<>();
    private int replies;
    /** Set by {@link #together}: commands are only queued until a reply is read. */
    private boolean holding;

    /** Over fresh MEMORY stores. */
    EngineHarness(ServerConfig config) {
        this(config, new MemoryMessageStore(), new NoStateStore());
    }

    /** Over the given (opened, recovered) stores. */
    EngineHarness(ServerConfig config, MessageStore store, StateStore state) {
        this.store = store;
        this.state = state;
        this.machine = new StateMachine(config, store, state, transport, subjects, EngineMetrics.NONE, clock,
                queue::add);
        machine.start();
        run();
    }

    static ServerConfig.Builder config() {
        return ServerConfig.builder().clusterId("test-cluster").storeType(ServerConfig.StoreType.MEMORY);
    }

    /** Queues {@code c} and runs until nothing is queued (after {@link #together}: only queues it). */
    void send(Command c) {
        queue.add(c);
        if (!holding) {
            run();
        }
    }

    /**
     * The commands sent from now until a helper reads its reply (or {@link #run}, {@link #advance}) arrive together:
     * they are handled as one batch, in order, as the engine handles requests that reach it at the same time (e.g.
     * acks right before a close).
     */
    void together() {
        holding = true;
    }

    /** Handles what is queued (batch by batch, with the engine loop's steps) until nothing is left. */
    void run() {
        holding = false;
        int rounds = 0;
        do {
            List<Command> batch = new ArrayList<>(queue);
            queue.clear();
            for (Command c : batch) {
                machine.handle(c);
            }
            machine.endBatch();
            machine.runTimers();
            machine.flushOutput();
            if (++rounds > 10_000) {
                throw new IllegalStateException("the machine keeps giving itself work");
            }
        } while (!queue.isEmpty());
    }

    /** Moves the clock forward by {@code d}, stopping at every timer due on the way (as the engine loop wakes). */
    void advance(Duration d) {
        long left = d.toNanos();
        while (true) {
            long step = machine.nanosToNextTimer(left);
            clock.nanos += Math.min(step, left);
            left -= Math.min(step, left);
            run();
            if (left == 0) {
                return;
            }
        }
    }

    /** Answers the probes sent so far to subjects starting with {@code prefix}; returns how many. */
    int answerProbes(String prefix, boolean alive) {
        List<FakeTransport.Probe> due = new ArrayList<>();
        transport.probes.removeIf(p -> {
            if (p.subject().startsWith(prefix)) {
                due.add(p);
                return true;
            }
            return false;
        });
        for (FakeTransport.Probe p : due) {
            p.onResult().accept(alive);
        }
        run();
        return due.size();
    }

    private String reply() {
        return "_INBOX.reply." + ++replies;
    }

    private byte[] onlyReply(String reply) {
        if (holding) {
            run();
        }
        List<byte[]> r = transport.on(reply);
        if (r.size() != 1) {
            throw new AssertionError(r.size() + " replies on " + reply);
        }
        return r.get(0);
    }

    static String heartbeatInbox(String clientId) {
        return "_INBOX.hb." + clientId;
    }

    ConnectResponse connect(String clientId) throws InvalidProtocolBufferException {
        return ConnectResponse.parseFrom(onlyReply(requestConnect(clientId)));
    }

    /**
     * Connects {@code clientId} again while it is registered: the machine probes the registered client's heartbeat
     * inbox first, and {@code oldAlive} is the probe's outcome (false: no answer within its time-out).
     */
    ConnectResponse connectAgain(String clientId, boolean oldAlive) throws InvalidProtocolBufferException {
        String reply = requestConnect(clientId);
        if (answerProbes(heartbeatInbox(clientId), oldAlive) != 1) {
            throw new AssertionError("no duplicate probe for " + clientId);
        }
        return ConnectResponse.parseFrom(onlyReply(reply));
    }

    private String requestConnect(String clientId) {
        String reply = reply();
        send(new Command.Connect(ConnectRequest.newBuilder().setClientID(clientId)
                .setHeartbeatInbox(heartbeatInbox(clientId)).setProtocol(1)
                .setConnID(ByteString.copyFromUtf8("conn-" + clientId)).build(), reply));
        return reply;
    }

    PubAck publish(String clientId, String channel, String data) throws InvalidProtocolBufferException {
        String reply = reply();
        byte[] m = PubMsg.newBuilder().setClientID(clientId).setGuid("g" + replies).setSubject(channel)
                .setConnID(ByteString.copyFromUtf8("conn-" + clientId)).setData(ByteString.copyFromUtf8(data))
                .build().toByteArray();
        send(PubMsgDecoder.generic(m, 0, m.length, reply, clock.nanos()));
        return PubAck.parseFrom(onlyReply(reply));
    }

    /** Publishes "m{from}" to "m{to}" to {@code channel}, one request each; every PubAck must be without error. */
    void publish(String clientId, String channel, int from, int to) throws InvalidProtocolBufferException {
        for (int i = from; i <= to; i++) {
            String error = publish(clientId, channel, "m" + i).getError();
            if (!error.isEmpty()) {
                throw new AssertionError("publish of m" + i + " refused: " + error);
            }
        }
    }

    /** A subscription request for {@code clientId} on {@code channel} delivering to {@code inbox}. */
    static SubscriptionRequest.Builder sub(String clientId, String channel, String inbox) {
        return SubscriptionRequest.newBuilder().setClientID(clientId).setSubject(channel).setInbox(inbox)
                .setMaxInFlight(1024).setAckWaitInSecs(30);
    }

    SubscriptionResponse subscribe(SubscriptionRequest.Builder r) throws InvalidProtocolBufferException {
        String reply = reply();
        send(new Command.Subscribe(r.build(), reply));
        return SubscriptionResponse.parseFrom(onlyReply(reply));
    }

    /** Unsubscribe, or close the subscription (durables stay) when {@code close}. */
    SubscriptionResponse unsubscribe(String clientId, String channel, SubscriptionResponse sub, String durable,
                                     boolean close) throws InvalidProtocolBufferException {
        String reply = reply();
        send(new Command.Unsubscribe(UnsubscribeRequest.newBuilder().setClientID(clientId).setSubject(channel)
                .setInbox(sub.getAckInbox()).setDurableName(durable).build(), reply, close));
        return SubscriptionResponse.parseFrom(onlyReply(reply));
    }

    CloseResponse close(String clientId) throws InvalidProtocolBufferException {
        String reply = reply();
        send(new Command.Close(CloseRequest.newBuilder().setClientID(clientId).build(), reply));
        return CloseResponse.parseFrom(onlyReply(reply));
    }

    /** Acks each of {@code sequences}, one Ack message each, in order. */
    void ack(SubscriptionResponse sub, String channel, long... sequences) throws InvalidProtocolBufferException {
        for (long sequence : sequences) {
            send(AckDecoder.decode(sub.getAckInbox(), Ack.newBuilder().setSubject(channel).setSequence(sequence)
                    .build().toByteArray()));
        }
    }

    /** Everything delivered to {@code inbox} so far, in order. */
    List<MsgProto> deliveries(String inbox) throws InvalidProtocolBufferException {
        List<MsgProto> out = new ArrayList<>();
        for (byte[] b : transport.on(inbox)) {
            out.add(MsgProto.parseFrom(b));
        }
        return out;
    }

    /** The sequences delivered to {@code inbox}, "r" appended to redeliveries (e.g. [1, 2, 1r]). */
    List<String> delivered(String inbox) throws InvalidProtocolBufferException {
        List<String> out = new ArrayList<>();
        for (MsgProto m : deliveries(inbox)) {
            out.add(m.getSequence() + (m.getRedelivered() ? "r" : ""));
        }
        return out;
    }

    EngineView view() {
        return machine.view();
    }
}
