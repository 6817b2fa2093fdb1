package io.stanchion.partition;

import io.stanchion.StanchionServer.StartupException;
import io.stanchion.config.ServerConfig;
import io.stanchion.engine.FailStop;
import io.stanchion.transport.JnatsTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The exchange of channel lists between the partitioned servers of one cluster ID, on {@code _STAN.part.<cid>}
 * (original §6.3; the original's protobuf CtrlMsg is not used: Stanchion's partitions talk only to each other).
 *
 * <p>Messages are UTF-8 text, lines separated by {@code \n}: the first line is {@code STANPART/1 announce <serverId>}
 * or {@code STANPART/1 answer <serverId>}, each further line one entry of the sender's channel list (a literal name
 * or a wildcard pattern). A starting server subscribes to {@code _STAN.part.<cid>} and to its own answer subject
 * {@code _STAN.part.<cid>.<serverId>}, publishes an announce on {@code _STAN.part.<cid>} and listens for
 * {@link #WINDOW}; every server receiving an announce (other than its own) answers on the announcer's answer subject
 * with its list. Both subscriptions stay while the server runs.
 *
 * <p>Overlap ({@link ChannelPatterns#overlap}: two entries that can match the same channel) is refused by the
 * newcomer: a server that finds an overlap while starting (in an answer, or in another starting server's announce)
 * fails to start, naming the channels and the other server; a running server that receives an overlapping announce
 * answers it (so the newcomer refuses) and fail-stops, as the original (an overlap at run time is fatal); so does a
 * running server that receives an overlapping answer to its own announce after its window. Two servers starting at
 * the same moment with overlapping lists both refuse.
 */
public final class PartitionExchange {
    private static final Logger LOG = LoggerFactory.getLogger("io.stanchion.STREAM");
    /** How long a starting server listens for the others' lists. */
    public static final Duration WINDOW = Duration.ofMillis(500);
    static final String MAGIC = "STANPART/1";

    private final Partition partition;
    private final String serverId;
    private final String subject;
    private final JnatsTransport transport;
    private final FailStop failStop;
    private final List<String> startupConflicts = new ArrayList<>();
    private volatile boolean running;

    private PartitionExchange(Partition partition, String clusterId, String serverId, JnatsTransport transport,
                              FailStop failStop) {
        this.partition = partition;
        this.serverId = serverId;
        this.subject = "_STAN.part." + clusterId;
        this.transport = transport;
        this.failStop = failStop;
    }

    /** The subject of the exchange for {@code clusterId}. */
    public static String subject(String clusterId) {
        return "_STAN.part." + clusterId;
    }

    /**
     * When {@code config} turns partitioning on: announces this server's channels, listens for {@link #WINDOW} and
     * fails on overlap; returns the running exchange (which goes on listening). Returns null when partitioning is
     * off.
     */
    public static PartitionExchange joinIfPartitioned(ServerConfig config, JnatsTransport transport, String serverId,
                                                      FailStop failStop) throws StartupException {
        Partition partition = Partition.of(config);
        if (partition == null) {
            return null;
        }
        PartitionExchange exchange = new PartitionExchange(partition, config.clusterId, serverId, transport, failStop);
        exchange.join();
        return exchange;
    }

    private void join() throws StartupException {
        transport.subscribe(subject, this::onAnnounce);
        transport.subscribe(subject + "." + serverId, this::onAnswer);
        try {
            transport.flush(Duration.ofSeconds(5));
        } catch (IOException e) {
            throw new StartupException("partitioning: " + e.getMessage());
        }
        transport.publish(subject, encode("announce", serverId, partition.channels()));
        try {
            Thread.sleep(WINDOW.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupException("partitioning: interrupted while exchanging channel lists");
        }
        synchronized (this) {
            running = true;
            if (!startupConflicts.isEmpty()) {
                throw new StartupException(String.join("; ", startupConflicts));
            }
        }
        LOG.info("Partitioning: serving channels {}", partition.channels());
    }

    public Partition partition() {
        return partition;
    }

    private void onAnnounce(String subj, String reply, byte[] data) {
        Message m = decode(data);
        if (m == null || m.serverId.equals(serverId) || !m.kind.equals("announce")) {
            return;
        }
        transport.publish(subject + "." + m.serverId, encode("answer", serverId, partition.channels()));
        String conflict = conflict(m);
        if (conflict == null) {
            LOG.info("Partitioning: server {} joined with channels {}", m.serverId, m.channels);
            return;
        }
        synchronized (this) {
            if (!running) {
                startupConflicts.add(conflict);
                return;
            }
        }
        // As the original: an overlap found at run time is fatal (the newcomer refuses to start as well).
        failStop.trip("partitioning", new IOException(conflict + " (announced by a server that started later)"));
    }

    private void onAnswer(String subj, String reply, byte[] data) {
        Message m = decode(data);
        if (m == null || m.serverId.equals(serverId) || !m.kind.equals("answer")) {
            return;
        }
        String conflict = conflict(m);
        if (conflict == null) {
            return;
        }
        synchronized (this) {
            if (!running) {
                startupConflicts.add(conflict);
                return;
            }
        }
        failStop.trip("partitioning", new IOException(conflict + " (answer received after the "
                + WINDOW.toMillis() + " ms window)"));
    }

    /** The error for a list that overlaps ours, or null. */
    private String conflict(Message m) {
        List<String> overlaps = ChannelPatterns.overlaps(partition.channels(), m.channels);
        if (overlaps.isEmpty()) {
            return null;
        }
        return "partitioning: channel(s) " + String.join(", ", overlaps) + " (this server ~ the other) also served "
                + "by server " + m.serverId;
    }

    record Message(String kind, String serverId, List<String> channels) {
    }

    static byte[] encode(String kind, String serverId, List<String> channels) {
        StringBuilder b = new StringBuilder(MAGIC).append(' ').append(kind).append(' ').append(serverId);
        for (String c : channels) {
            b.append('\n').append(c);
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The message, or null (logged at debug) when it is not one. */
    static Message decode(byte[] data) {
        if (data == null) {
            return null;
        }
        String[] lines = new String(data, StandardCharsets.UTF_8).split("\n", -1);
        String[] head = lines[0].split(" ", -1);
        if (head.length != 3 || !head[0].equals(MAGIC) || head[2].isEmpty()) {
            LOG.debug("partitioning: unreadable message on the exchange subject dropped");
            return null;
        }
        List<String> channels = new ArrayList<>(Arrays.asList(lines).subList(1, lines.length));
        channels.removeIf(String::isEmpty);
        return new Message(head[1], head[2], List.copyOf(channels));
    }
}
