package io.stanchion.bench;

import io.nats.client.Connection;
import io.nats.client.Consumer;
import io.nats.client.Dispatcher;
import io.nats.client.ErrorListener;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.MessageConsumer;
import io.nats.client.Nats;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.streaming.AckHandler;
import io.nats.streaming.StreamingConnection;
import io.nats.streaming.StreamingConnectionFactory;
import io.nats.streaming.SubscriptionOptions;
import io.stanchion.protocol.pb.CloseRequest;
import io.stanchion.protocol.pb.ConnectRequest;
import io.stanchion.protocol.pb.ConnectResponse;
import io.stanchion.protocol.pb.StartPosition;
import io.stanchion.protocol.pb.SubscriptionRequest;
import io.stanchion.protocol.pb.SubscriptionResponse;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load generator for a STAN server (after the original {@code stan-bench}; same flag names), and for JetStream and
 * plain NATS request/reply on the same nats-server as yardsticks.
 *
 * <pre>
 *   StanBench [-s url] [-cid cluster] [-mode stan|raw|js|jspull|echo] [-np 1] [-ns 0] [-n 100000] [-ms 128]
 *             [-sync] [-mpa 1000] [-mif 16384] [-qgroup name] [-io] [-csv file] [subject]
 * </pre>
 *
 * <p>Modes:
 * <ul>
 *   <li>{@code stan}: the official Java STAN client ({@code io.nats:java-nats-streaming}); async publish with an
 *       AckHandler (the client's own MaxPubAcksInFlight = -mpa window) or sync publish; subscribers auto-ack.</li>
 *   <li>{@code raw}: the STAN protocol spoken directly over jnats, with hand-encoded PubMsgs pipelined in a window
 *       of -mpa outstanding PubAcks, and raw SubscriptionRequests acking every message (acks are published without a
 *       flush each, jnats batches them). Little client CPU per message, so the server is what is measured.</li>
 *   <li>{@code js}: JetStream on the same nats-server: a file-storage stream on the subject (one replica, or
 *       -replicas); publishes pipelined the same lean way (plain publish with a reply subject, JetStream's PubAck
 *       counted), or through the JetStream API's publishAsync with {@code -jsapi}; push consumers with explicit
 *       acks.</li>
 *   <li>{@code jspull}: as {@code js}, with pull consumers fetching batches of -batch (jnats' consume()).</li>
 *   <li>{@code echo}: a responder that answers every request with a PubAck-sized reply (24 bytes) and publishers
 *       pipelining requests the way raw mode pipelines PubMsgs: the request/reply ceiling of the transport.</li>
 * </ul>
 *
 * <p>Every message carries, when -ms is at least 20 bytes, its send time and a run tag, so subscribers of the same
 * run measure end-to-end latency; PubAck latency is from the publish call to the ack's arrival (in async mode it
 * includes the time spent queued behind the window). Publishers split -n between them; each subscriber expects -n
 * messages (with -qgroup the group shares -n). Rates are measured from the first publish (or from the
 * subscription request when there are no publishers: a replay) to the last ack / message.
 */
public final class StanBench {
    public enum Mode {
        STAN, RAW, JS, JSPULL, ECHO, CORE;

        static Mode parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "stan", "client" -> STAN;
                case "raw" -> RAW;
                case "js", "jetstream", "jspush" -> JS;
                case "jspull" -> JSPULL;
                case "echo" -> ECHO;
                case "core" -> CORE;
                default -> throw new IllegalArgumentException("unknown -mode " + s
                        + " (stan|raw|js|jspull|echo|core)");
            };
        }
    }

    public static final String USAGE = String.join("\n",
            "Usage: StanBench [options] [subject]",
            "  -s <url>        NATS server URL (default nats://127.0.0.1:4222)",
            "  -cid, -c <id>   STAN cluster ID (default test-cluster)",
            "  -id <id>        base client ID (default benchmark)",
            "  -mode <m>       stan (Java STAN client) | raw (STAN protocol over jnats, pipelined) |",
            "                  js (JetStream push) | jspull (JetStream pull) | echo (request/reply ceiling) |",
            "                  core (plain NATS: subscribers ack each message to the publisher, no server)",
            "  -np <n>         number of concurrent publishers (default 1)",
            "  -ns <n>         number of concurrent subscribers (default 0)",
            "  -n <n>          number of messages to publish (default 100000)",
            "  -ms <bytes>     message size (default 128)",
            "  -sync           synchronous publishing (one PubAck awaited per publish); -a = async (default)",
            "  -mpa <n>        max published acks in flight (default 1000)",
            "  -mif <n>        subscriber MaxInFlight / JetStream MaxAckPending (default 16384)",
            "  -batch <n>      JetStream pull batch size (default 1000)",
            "  -qgroup <name>  subscribers join this queue group (JetStream: deliver group / shared pull consumer)",
            "  -io             subscribers ignore old messages (NewOnly / DeliverPolicy.New)",
            "  -jsapi          js modes: publish with the JetStream API (publishAsync) instead of lean publishes",
            "  -replicas <n>   js modes: replicas of the stream when the run creates it (default 1)",
            "  -extresponder   echo mode: a responder runs elsewhere (EchoResponder); start none here",
            "  -csv <file>     append per-client results and latency percentiles as CSV",
            "  -timeout <s>    give up after this many seconds (default 300)",
            "  -subj <name>    subject / channel (default foo; also the positional argument)",
            "  -q              print only the summary");

    /** What to run; public fields so the matrix and tests can build one directly. */
    public static final class Config {
        public String url = "nats://127.0.0.1:4222";
        public String clusterId = "test-cluster";
        public String clientId = "benchmark";
        public String subject = "foo";
        public Mode mode = Mode.STAN;
        public int numPubs = 1;
        public int numSubs = 0;
        public long numMsgs = 100_000;
        public int msgSize = 128;
        public boolean sync;
        public int maxPubAcksInFlight = 1000;
        public int maxInFlight = 16_384;
        public int batch = 1000;
        public String qgroup;
        public boolean ignoreOld;
        public boolean jsApi;
        /** js modes: replicas of a stream the run creates (3 on a three-node nats-server cluster). */
        public int replicas = 1;
        /** echo mode: a responder already runs elsewhere (EchoResponder), do not start one in this JVM. */
        public boolean externalResponder;
        public String csv;
        public int timeoutSeconds = 300;
        public boolean quiet;
        public String runId;

        public static Config parse(String... args) {
            Config c = new Config();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                String value = null;
                int eq = a.indexOf('=');
                if (a.startsWith("-") && eq > 0) {
                    value = a.substring(eq + 1);
                    a = a.substring(0, eq);
                }
                String flag = a.startsWith("--") ? a.substring(1) : a;
                switch (flag) {
                    case "-sync" -> c.sync = value == null || Boolean.parseBoolean(value);
                    case "-a" -> c.sync = !(value == null || Boolean.parseBoolean(value));
                    case "-io" -> c.ignoreOld = value == null || Boolean.parseBoolean(value);
                    case "-jsapi" -> c.jsApi = value == null || Boolean.parseBoolean(value);
                    case "-extresponder" -> c.externalResponder = value == null || Boolean.parseBoolean(value);
                    case "-q", "-quiet" -> c.quiet = true;
                    case "-h", "-help" -> throw new IllegalArgumentException(USAGE);
                    case "-s", "-cid", "-c", "-id", "-mode", "-np", "-ns", "-n", "-ms", "-mpa", "-mif", "-batch",
                            "-qgroup", "-csv", "-timeout", "-subj", "-runid", "-replicas" -> {
                        if (value == null) {
                            if (i + 1 >= args.length) {
                                throw new IllegalArgumentException("flag " + a + " needs a value\n" + USAGE);
                            }
                            value = args[++i];
                        }
                        c.set(flag, value);
                    }
                    default -> {
                        if (a.startsWith("-")) {
                            throw new IllegalArgumentException("unknown flag " + a + "\n" + USAGE);
                        }
                        c.subject = a;
                    }
                }
            }
            c.validate();
            return c;
        }

        private void set(String flag, String v) {
            switch (flag) {
                case "-s" -> url = v;
                case "-cid", "-c" -> clusterId = v;
                case "-id" -> clientId = v;
                case "-mode" -> mode = Mode.parse(v);
                case "-np" -> numPubs = Integer.parseInt(v);
                case "-ns" -> numSubs = Integer.parseInt(v);
                case "-n" -> numMsgs = parseCount(v);
                case "-ms" -> msgSize = Integer.parseInt(v);
                case "-mpa" -> maxPubAcksInFlight = Integer.parseInt(v);
                case "-mif" -> maxInFlight = Integer.parseInt(v);
                case "-batch" -> batch = Integer.parseInt(v);
                case "-qgroup" -> qgroup = v.isEmpty() ? null : v;
                case "-csv" -> csv = v.isEmpty() ? null : v;
                case "-timeout" -> timeoutSeconds = Integer.parseInt(v);
                case "-subj" -> subject = v;
                case "-runid" -> runId = v;
                case "-replicas" -> replicas = Integer.parseInt(v);
                default -> throw new IllegalArgumentException(flag);
            }
        }

        static long parseCount(String v) {
            String s = v.replace("_", "").replace(",", "").toLowerCase(Locale.ROOT);
            long mult = 1;
            if (s.endsWith("k")) {
                mult = 1_000;
            } else if (s.endsWith("m")) {
                mult = 1_000_000;
            }
            if (mult > 1) {
                s = s.substring(0, s.length() - 1);
            }
            return Long.parseLong(s) * mult;
        }

        void validate() {
            if (numPubs < 0 || numSubs < 0 || numMsgs < 0 || msgSize < 0) {
                throw new IllegalArgumentException("-np, -ns, -n and -ms must not be negative");
            }
            if (maxPubAcksInFlight < 1 || maxInFlight < 1 || batch < 1 || replicas < 1) {
                throw new IllegalArgumentException("-mpa, -mif, -batch and -replicas must be at least 1");
            }
            if (numPubs == 0 && numSubs == 0) {
                throw new IllegalArgumentException("nothing to do: -np 0 and -ns 0");
            }
        }

        public Config copy() {
            Config c = new Config();
            c.url = url;
            c.clusterId = clusterId;
            c.clientId = clientId;
            c.subject = subject;
            c.mode = mode;
            c.numPubs = numPubs;
            c.numSubs = numSubs;
            c.numMsgs = numMsgs;
            c.msgSize = msgSize;
            c.sync = sync;
            c.maxPubAcksInFlight = maxPubAcksInFlight;
            c.maxInFlight = maxInFlight;
            c.batch = batch;
            c.qgroup = qgroup;
            c.ignoreOld = ignoreOld;
            c.jsApi = jsApi;
            c.replicas = replicas;
            c.externalResponder = externalResponder;
            c.csv = csv;
            c.timeoutSeconds = timeoutSeconds;
            c.quiet = quiet;
            c.runId = runId;
            return c;
        }

        public String describe() {
            return String.format(Locale.ROOT, "mode=%s%s msgs=%,d size=%d pubs=%d subs=%d %s mpa=%d mif=%d%s%s subject=%s",
                    mode.name().toLowerCase(Locale.ROOT), jsApi && (mode == Mode.JS || mode == Mode.JSPULL) ? "(api)" : "",
                    numMsgs, msgSize, numPubs, numSubs, sync ? "sync" : "async", maxPubAcksInFlight, maxInFlight,
                    qgroup == null ? "" : " qgroup=" + qgroup, ignoreOld ? " io" : "", subject);
        }
    }

    /** One publisher's or subscriber's numbers. */
    public static final class ClientStats {
        public final String role;
        public final String name;
        public long msgs;
        public long bytes;
        public long startNs;
        public long endNs;
        public long errors;
        /** Distinct sequences received (subscribers of stan/raw); -1 when not tracked. */
        public long distinct = -1;
        /** CPU time of the publishing thread (pipelined publishers; read by the thread itself), 0 if unknown. */
        public long threadCpuNanos;
        public long redelivered;
        public final LatencyHistogram latency = new LatencyHistogram();

        ClientStats(String role, String name) {
            this.role = role;
            this.name = name;
        }

        public double seconds() {
            return Math.max(1, endNs - startNs) / 1e9;
        }

        public double rate() {
            return msgs == 0 ? 0 : msgs / seconds();
        }

        synchronized void record(long nanos) {
            latency.record(nanos);
        }
    }

    /** The outcome of one run. */
    public static final class Result {
        public final Config config;
        public final List<ClientStats> pubs = new ArrayList<>();
        public final List<ClientStats> subs = new ArrayList<>();
        public final LatencyHistogram pubAckLatency = new LatencyHistogram();
        public final LatencyHistogram endToEndLatency = new LatencyHistogram();
        public boolean complete;
        public final List<String> problems = new ArrayList<>();
        public long expectedPerSub;

        Result(Config config) {
            this.config = config;
        }

        public long acked() {
            return pubs.stream().mapToLong(s -> s.msgs).sum();
        }

        public long received() {
            return subs.stream().mapToLong(s -> s.msgs).sum();
        }

        public long errors() {
            return pubs.stream().mapToLong(s -> s.errors).sum() + subs.stream().mapToLong(s -> s.errors).sum();
        }

        static double rate(List<ClientStats> list) {
            long msgs = list.stream().mapToLong(s -> s.msgs).sum();
            if (msgs == 0) {
                return 0;
            }
            long start = list.stream().mapToLong(s -> s.startNs).min().orElse(0);
            long end = list.stream().mapToLong(s -> s.endNs).max().orElse(0);
            return msgs / (Math.max(1, end - start) / 1e9);
        }

        public double pubRate() {
            return rate(pubs);
        }

        public double subRate() {
            return rate(subs);
        }

        /** (published + received) over the whole run, as the original's "NATS Streaming Pub/Sub stats". */
        public double aggregateRate() {
            List<ClientStats> all = new ArrayList<>(pubs);
            all.addAll(subs);
            return rate(all);
        }

        public String report() {
            StringBuilder b = new StringBuilder();
            int size = config.msgSize;
            if (!pubs.isEmpty() && !subs.isEmpty()) {
                b.append(String.format(Locale.ROOT, "Pub/Sub stats: %s%n", rateText(aggregateRate(), size)));
            }
            if (!pubs.isEmpty()) {
                b.append(String.format(Locale.ROOT, " Pub stats: %s%n", rateText(pubRate(), size)));
                if (!config.quiet && pubs.size() > 1) {
                    appendClients(b, pubs, size);
                }
                b.append("  PubAck latency: ").append(pubAckLatency.summaryMicros()).append('\n');
            }
            if (!subs.isEmpty()) {
                b.append(String.format(Locale.ROOT, " Sub stats: %s%n", rateText(subRate(), size)));
                if (!config.quiet && subs.size() > 1) {
                    appendClients(b, subs, size);
                }
                if (endToEndLatency.count() > 0) {
                    b.append("  End-to-end latency: ").append(endToEndLatency.summaryMicros()).append('\n');
                }
            }
            b.append(String.format(Locale.ROOT, " acked=%,d received=%,d errors=%,d%s%n", acked(), received(), errors(),
                    complete ? "" : "  INCOMPLETE"));
            for (String p : problems) {
                b.append(" problem: ").append(p).append('\n');
            }
            return b.toString();
        }

        private static void appendClients(StringBuilder b, List<ClientStats> list, int size) {
            int i = 1;
            for (ClientStats s : list) {
                b.append(String.format(Locale.ROOT, "  [%d] %s (%,d msgs)%n", i++, rateText(s.rate(), size), s.msgs));
            }
        }

        static String rateText(double rate, int size) {
            return String.format(Locale.ROOT, "%,.0f msgs/sec ~ %.2f MB/sec", rate, rate * size / (1024.0 * 1024.0));
        }

        public void appendCsv(Path file) throws IOException {
            boolean header = !Files.exists(file) || Files.size(file) == 0;
            StringBuilder b = new StringBuilder();
            if (header) {
                b.append("#RunID,Mode,Role,ClientID,MsgCount,MsgBytes,MsgsPerSec,BytesPerSec,DurationSecs,"
                        + "LatP50us,LatP90us,LatP99us,LatP999us,LatMaxUs,Errors\n");
            }
            String run = config.runId != null ? config.runId : config.subject;
            String mode = config.mode.name().toLowerCase(Locale.ROOT) + (config.sync ? "-sync" : "");
            for (ClientStats s : pubs) {
                csvRow(b, run, mode, "pub", s.name, s.msgs, s.seconds(), s.latency, s.errors);
            }
            for (ClientStats s : subs) {
                csvRow(b, run, mode, "sub", s.name, s.msgs, s.seconds(), s.latency, s.errors);
            }
            if (!pubs.isEmpty()) {
                csvRow(b, run, mode, "pub-total", "*", acked(), acked() / Math.max(pubRate(), 1e-9), pubAckLatency,
                        pubs.stream().mapToLong(s -> s.errors).sum());
            }
            if (!subs.isEmpty()) {
                csvRow(b, run, mode, "sub-total", "*", received(), received() / Math.max(subRate(), 1e-9),
                        endToEndLatency, subs.stream().mapToLong(s -> s.errors).sum());
            }
            Files.writeString(file, b, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }

        private void csvRow(StringBuilder b, String run, String mode, String role, String name, long msgs,
                            double seconds, LatencyHistogram h, long errors) {
            double rate = seconds <= 0 ? 0 : msgs / seconds;
            b.append(String.format(Locale.ROOT, "%s,%s,%s,%s,%d,%d,%.0f,%.0f,%.3f,%s,%s,%s,%s,%s,%d%n", run, mode, role, name,
                    msgs, msgs * config.msgSize, rate, rate * config.msgSize, seconds, micros(h, 50), micros(h, 90),
                    micros(h, 99), micros(h, 99.9), h.count() == 0 ? "" : LatencyHistogram.us(h.max()), errors));
        }

        private static String micros(LatencyHistogram h, double p) {
            return h.count() == 0 ? "" : LatencyHistogram.us(h.percentile(p));
        }
    }

    private StanBench() {
    }

    public static void main(String[] args) throws Exception {
        Config c;
        try {
            c = Config.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Result r = run(c, System.out);
        System.exit(r.complete && r.errors() == 0 ? 0 : 1);
    }

    /** Runs quietly (no progress lines) and returns the numbers. */
    public static Result run(Config c) throws Exception {
        return run(c, null);
    }

    /** Runs, printing the start line and the report to {@code out} when it is not null. */
    public static Result run(Config c, PrintStream out) throws Exception {
        if (out != null) {
            out.println("Starting benchmark [" + c.describe() + "]");
        }
        Result r = new Run(c).execute();
        if (out != null) {
            out.print(r.report());
            out.flush();
        }
        if (c.csv != null) {
            r.appendCsv(Path.of(c.csv));
        }
        return r;
    }

    // ---------------------------------------------------------------------------------------------------------
    // shared helpers

    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** Payload stamp: [0,8) send nanoTime, [8,16) message index, [16,20) run tag. */
    static final int STAMP = 20;

    static String nuid() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    static String streamName(String subject) {
        return "BENCH_" + subject.replaceAll("[^A-Za-z0-9_-]", "_");
    }

    private static final ErrorListener QUIET = new ErrorListener() {
        private final AtomicLong reported = new AtomicLong();

        private void report(String what) {
            if (reported.incrementAndGet() <= 5) {
                System.err.println("stan-bench: nats: " + what);
            }
        }

        @Override
        public void errorOccurred(Connection conn, String error) {
            report(error);
        }

        @Override
        public void exceptionOccurred(Connection conn, Exception exp) {
            report(String.valueOf(exp));
        }

        @Override
        public void slowConsumerDetected(Connection conn, Consumer consumer) {
            report("slow consumer");
        }
    };

    /** Socket buffer of every benchmark connection: the server's own setting (JnatsTransport), so the echo
     *  responder and the clients use the transport the way Stanchion does. */
    static final int BUFFER_SIZE = Integer.getInteger("bench.bufferSize", 256 * 1024);

    static Connection connectNats(Config c, String name) throws IOException, InterruptedException {
        io.nats.client.Options o = new io.nats.client.Options.Builder()
                .server(c.url)
                .connectionName(name)
                .maxMessagesInOutgoingQueue(4_000_000)
                .bufferSize(BUFFER_SIZE)
                .connectionTimeout(REQUEST_TIMEOUT)
                .errorListener(QUIET)
                .build();
        return Nats.connect(o);
    }

    static Message request(Connection nc, String subject, byte[] payload) throws InterruptedException, IOException {
        Message m = nc.request(subject, payload, REQUEST_TIMEOUT);
        if (m == null) {
            throw new IOException("no reply to request on " + subject + " within " + REQUEST_TIMEOUT.toSeconds() + "s");
        }
        if (m.isStatusMessage()) {
            throw new IOException("status " + m.getStatus() + " for request on " + subject + " (no responder?)");
        }
        return m;
    }

    static long remaining(long deadline) {
        return deadline - System.nanoTime();
    }

    static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception ignored) {
            // best effort
        }
    }

    /** One run: resources, clients, and the result. */
    private static final class Run {
        final Config c;
        final int tag = ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE);
        final String tagHex = Integer.toHexString(tag);
        final long deadline;
        final Result result;
        final List<Publisher> publishers = new ArrayList<>();
        final List<Subscriber> subscribers = new ArrayList<>();
        Connection admin;
        Connection responder;
        String stream;
        volatile long pubStartNs;

        Run(Config c) {
            this.c = c;
            this.deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(c.timeoutSeconds);
            this.result = new Result(c);
        }

        Result execute() throws Exception {
            try {
                setup();
                Group group = c.qgroup != null && c.numSubs > 0 ? new Group(c.numMsgs) : null;
                result.expectedPerSub = c.numMsgs;
                for (int i = 0; i < c.numSubs; i++) {
                    Subscriber s = newSubscriber(i, group);
                    subscribers.add(s);
                    s.start();
                }
                long per = c.numPubs == 0 ? 0 : c.numMsgs / c.numPubs;
                long extra = c.numPubs == 0 ? 0 : c.numMsgs % c.numPubs;
                for (int i = 0; i < c.numPubs; i++) {
                    Publisher p = newPublisher(i, per + (i < extra ? 1 : 0));
                    publishers.add(p);
                    p.connect();
                }
                List<Thread> threads = new ArrayList<>();
                List<Throwable> failures = new ArrayList<>();
                pubStartNs = System.nanoTime();
                for (Publisher p : publishers) {
                    Thread t = new Thread(() -> {
                        try {
                            p.publishAll(deadline);
                        } catch (Throwable e) {
                            synchronized (failures) {
                                failures.add(e);
                            }
                        }
                    }, "bench-" + p.stats.name);
                    threads.add(t);
                    t.start();
                }
                for (Thread t : threads) {
                    t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining(deadline)) + 1_000));
                    if (t.isAlive()) {
                        result.problems.add(t.getName() + " still running at the time-out");
                    }
                }
                for (Throwable e : failures) {
                    result.problems.add(e instanceof TimeoutException ? "time-out: " + e.getMessage() : e.toString());
                }
                boolean subsDone = true;
                for (Subscriber s : subscribers) {
                    try {
                        s.done.get(Math.max(1, remaining(deadline)), TimeUnit.NANOSECONDS);
                    } catch (TimeoutException e) {
                        subsDone = false;
                        result.problems.add("time-out: " + s.stats.name + " received " + s.received.get() + " of "
                                + (s.group == null ? c.numMsgs : c.numMsgs + " (group)"));
                        break;
                    }
                }
                collect();
                result.complete = failures.isEmpty() && subsDone
                        && publishers.stream().allMatch(p -> p.stats.msgs == p.count);
                return result;
            } finally {
                for (Publisher p : publishers) {
                    p.close();
                }
                for (Subscriber s : subscribers) {
                    s.close();
                }
                closeQuietly(responder);
                closeQuietly(admin);
            }
        }

        private void collect() {
            for (Publisher p : publishers) {
                p.finish();
                result.pubs.add(p.stats);
                result.pubAckLatency.add(p.stats.latency);
            }
            for (Subscriber s : subscribers) {
                ClientStats st = s.stats;
                st.msgs = s.received.get();
                st.bytes = st.msgs * c.msgSize;
                st.startNs = c.numPubs > 0 ? Math.max(s.subscribedNs, pubStartNs) : s.subscribedNs;
                st.endNs = Math.max(st.startNs + 1, s.lastNs);
                st.distinct = s.seen == null ? -1 : s.seen.cardinality();
                result.subs.add(st);
                result.endToEndLatency.add(st.latency);
            }
        }

        private void setup() throws Exception {
            switch (c.mode) {
                case JS, JSPULL -> {
                    admin = connectNats(c, "bench-admin");
                    stream = streamName(c.subject);
                    JetStreamManagement jsm = admin.jetStreamManagement();
                    try {
                        jsm.getStreamInfo(stream);
                    } catch (JetStreamApiException notFound) {
                        jsm.addStream(StreamConfiguration.builder().name(stream).subjects(c.subject)
                                .storageType(StorageType.File).replicas(c.replicas).build());
                    }
                }
                case ECHO -> {
                    if (c.numSubs > 0) {
                        throw new IllegalArgumentException("-mode echo has no subscribers (-ns 0)");
                    }
                    if (!c.externalResponder) {
                        responder = connectNats(c, "bench-echo-responder");
                        EchoResponder.respond(responder, c.subject);
                        responder.flush(REQUEST_TIMEOUT);
                    }
                }
                default -> {
                }
            }
        }

        private Publisher newPublisher(int i, long count) {
            String name = c.clientId + "-" + tagHex + "-pub-" + i;
            return switch (c.mode) {
                case STAN -> new StanClientPublisher(this, name, count);
                case RAW -> new RawStanPublisher(this, name, i, count);
                case JS, JSPULL -> c.jsApi ? new JsApiPublisher(this, name, count) : new JsLeanPublisher(this, name, count);
                case ECHO -> new StampedPublisher(this, name, count, false);
                case CORE -> new StampedPublisher(this, name, count, true);
            };
        }

        private Subscriber newSubscriber(int i, Group group) {
            String name = c.clientId + "-" + tagHex + "-sub-" + i;
            return switch (c.mode) {
                case STAN -> new StanClientSubscriber(this, name, group);
                case RAW -> new RawStanSubscriber(this, name, group);
                case JS -> new JsPushSubscriber(this, name, i, group);
                case JSPULL -> new JsPullSubscriber(this, name, i, group);
                case ECHO -> throw new IllegalArgumentException("echo has no subscribers");
                case CORE -> new CoreSubscriber(this, name);
            };
        }

        /** A payload of -ms bytes (at least {@code min}) filled with a recognisable pattern. */
        byte[] payloadTemplate(int min) {
            byte[] b = new byte[Math.max(c.msgSize, min)];
            Arrays.fill(b, (byte) 'x');
            return b;
        }

        void stamp(byte[] b, int off, long index, long now) {
            if (b.length - off >= STAMP) {
                Wire.putLong(b, off, now);
                Wire.putLong(b, off + 8, index);
                Wire.putInt(b, off + 16, tag);
            }
        }

        /** Send time of a payload stamped by this run, or -1. */
        long stampedTime(byte[] b, int off, int len) {
            if (b == null || len < STAMP || Wire.getInt(b, off + 16) != tag) {
                return -1;
            }
            return Wire.getLong(b, off);
        }
    }

    /** Shared completion of a queue group: done when the members together received -n messages. */
    private static final class Group {
        final long expected;
        final AtomicLong received = new AtomicLong();
        final CompletableFuture<Void> done = new CompletableFuture<>();

        Group(long expected) {
            this.expected = expected;
            if (expected == 0) {
                done.complete(null);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // publishers

    private abstract static class Publisher {
        final Run run;
        final Config c;
        final long count;
        final ClientStats stats;
        final AtomicLong acked = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        volatile long lastAckNs;
        volatile String firstError;

        Publisher(Run run, String name, long count) {
            this.run = run;
            this.c = run.c;
            this.count = count;
            this.stats = new ClientStats("pub", name);
            if (count == 0) {
                done.complete(null);
            }
        }

        abstract void connect() throws Exception;

        abstract void publishAll(long deadline) throws Exception;

        abstract void close();

        void acked(long now, boolean error, String errorText) {
            if (error) {
                errors.incrementAndGet();
                if (firstError == null) {
                    firstError = errorText;
                }
            }
            lastAckNs = now;
            if (acked.incrementAndGet() == count) {
                done.complete(null);
            }
        }

        void awaitAcks(long deadline) throws InterruptedException, TimeoutException, ExecutionException {
            try {
                done.get(Math.max(1, remaining(deadline)), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                throw new TimeoutException(stats.name + " got " + acked.get() + " of " + count + " acks");
            }
        }

        void finish() {
            stats.msgs = acked.get();
            stats.bytes = stats.msgs * c.msgSize;
            stats.errors = errors.get();
            if (stats.startNs == 0) {
                stats.startNs = run.pubStartNs;
            }
            stats.endNs = Math.max(stats.startNs + 1, lastAckNs);
            if (firstError != null) {
                run.result.problems.add(stats.name + ": " + stats.errors + " error ack(s), first: " + firstError);
            }
        }
    }

    /**
     * Publishes without waiting, keeping at most -mpa publishes unacknowledged (1 with -sync): the acks come back
     * on a dispatcher thread that releases the window. Subclasses say what to send and how to read an ack.
     */
    private abstract static class PipelinedPublisher extends Publisher {
        Connection nc;
        Semaphore window;
        long[] sendTimes;
        int mask;
        String subject;

        PipelinedPublisher(Run run, String name, long count) {
            super(run, name, count);
        }

        void openWindow() {
            int w = c.sync ? 1 : c.maxPubAcksInFlight;
            window = new Semaphore(w);
            int cap = Integer.highestOneBit(Math.max(1, w)) * 4;
            sendTimes = new long[cap];
            mask = cap - 1;
        }

        abstract String replyTo(long i);

        abstract byte[] encode(long i, long now);

        /** Reads an ack: its message index, or -1 when unknown; sets {@link #ackError} when the ack is an error. */
        abstract long ackIndex(Message m);

        /** The error of the ack being read (dispatcher thread only). */
        String ackError;

        final void onAck(Message m) {
            long now = System.nanoTime();
            ackError = null;
            long i = ackIndex(m);
            if (i >= 0) {
                stats.record(now - sendTimes[(int) (i & mask)]);
            }
            String error = ackError;
            window.release();
            acked(now, error != null, error);
        }

        Dispatcher ackDispatcher(String subject) {
            Dispatcher d = nc.createDispatcher(this::onAck);
            d.setPendingLimits(-1, -1);
            d.subscribe(subject);
            return d;
        }

        @Override
        void publishAll(long deadline) throws Exception {
            java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
            long cpu0 = threads.getCurrentThreadCpuTime();
            try {
                publishWindowed(deadline);
            } finally {
                stats.threadCpuNanos = threads.getCurrentThreadCpuTime() - cpu0;
            }
        }

        private void publishWindowed(long deadline) throws Exception {
            stats.startNs = System.nanoTime();
            for (long i = 0; i < count; i++) {
                if (!window.tryAcquire()) {
                    if (!window.tryAcquire(Math.max(1, remaining(deadline)), TimeUnit.NANOSECONDS)) {
                        throw new TimeoutException(stats.name + " sent " + i + " of " + count + ", window full");
                    }
                }
                long now = System.nanoTime();
                byte[] b = encode(i, now);
                sendTimes[(int) (i & mask)] = now;
                nc.publish(subject, replyTo(i), b);
            }
            awaitAcks(deadline);
        }
    }

    /** STAN protocol over jnats: ConnectRequest, hand-encoded PubMsgs, PubAcks read in place. */
    private static final class RawStanPublisher extends PipelinedPublisher {
        private static final int DIGITS = 12;
        final int index;
        String ackInbox;
        byte[] template;
        int guidDigitsAt;
        int dataAt;
        String closeSubject;

        RawStanPublisher(Run run, String name, int index, long count) {
            super(run, name, count);
            this.index = index;
        }

        @Override
        void connect() throws Exception {
            nc = connectNats(c, stats.name);
            ConnectResponse cr = RawStanSession.connect(nc, c, stats.name);
            subject = cr.getPubPrefix() + "." + c.subject;
            closeSubject = cr.getCloseRequests();
            openWindow();
            ackInbox = "_STAN.acks." + nuid();
            ackDispatcher(ackInbox);
            nc.flush(REQUEST_TIMEOUT);

            byte[] clientId = Wire.utf8(stats.name);
            byte[] guidPrefix = Wire.utf8(run.tagHex + "." + index + ".");
            byte[] channel = Wire.utf8(c.subject);
            byte[] connId = RawStanSession.connId(stats.name);
            byte[] data = run.payloadTemplate(0);
            int guidLen = guidPrefix.length + DIGITS;
            int size = Wire.bytesFieldSize(1, clientId.length) + Wire.bytesFieldSize(2, guidLen)
                    + Wire.bytesFieldSize(3, channel.length) + Wire.bytesFieldSize(6, connId.length)
                    + Wire.bytesFieldSize(5, data.length);
            byte[] t = new byte[size];
            int off = Wire.putBytes(t, 0, 1, clientId);
            off = Wire.putVarint(t, off, Wire.tag(2, Wire.WT_LEN));
            off = Wire.putVarint(t, off, guidLen);
            System.arraycopy(guidPrefix, 0, t, off, guidPrefix.length);
            guidDigitsAt = off + guidPrefix.length;
            off = guidDigitsAt + DIGITS;
            off = Wire.putBytes(t, off, 3, channel);
            off = Wire.putBytes(t, off, 6, connId);
            off = Wire.putVarint(t, off, Wire.tag(5, Wire.WT_LEN));
            off = Wire.putVarint(t, off, data.length);
            dataAt = off;
            System.arraycopy(data, 0, t, off, data.length);
            if (off + data.length != size) {
                throw new IllegalStateException("PubMsg template size");
            }
            template = t;
        }

        @Override
        String replyTo(long i) {
            return ackInbox;
        }

        @Override
        byte[] encode(long i, long now) {
            byte[] b = template.clone();
            Wire.putDigits(b, guidDigitsAt, DIGITS, i);
            run.stamp(b, dataAt, i, now);
            return b;
        }

        @Override
        long ackIndex(Message m) {
            byte[] d = m.getData();
            int guidAt = -1;
            int guidLen = 0;
            String error = null;
            try {
                Wire.Reader r = new Wire.Reader(d);
                while (r.more()) {
                    int tag = (int) r.varint();
                    int field = tag >>> 3;
                    if (field == 1 && (tag & 7) == Wire.WT_LEN) {
                        guidAt = r.lengthDelimited();
                        guidLen = r.len;
                    } else if (field == 2 && (tag & 7) == Wire.WT_LEN) {
                        int at = r.lengthDelimited();
                        if (r.len > 0) {
                            error = new String(d, at, r.len, StandardCharsets.UTF_8);
                        }
                    } else {
                        r.skip(tag & 7);
                    }
                }
            } catch (IllegalArgumentException e) {
                error = "undecodable PubAck: " + e.getMessage();
            }
            ackError = error;
            return guidLen >= DIGITS ? Wire.parseDigits(d, guidAt + guidLen - DIGITS, DIGITS) : -1;
        }

        @Override
        void close() {
            RawStanSession.close(nc, closeSubject, stats.name);
        }
    }

    /** JetStream, published the lean way: a plain publish whose reply subject carries the message index. */
    private static final class JsLeanPublisher extends PipelinedPublisher {
        private static final byte[] ERROR = "\"error\"".getBytes(StandardCharsets.US_ASCII);
        String ackPrefix;
        byte[] template;

        JsLeanPublisher(Run run, String name, long count) {
            super(run, name, count);
        }

        @Override
        void connect() throws Exception {
            nc = connectNats(c, stats.name);
            subject = c.subject;
            openWindow();
            ackPrefix = "_INBOX.jsack." + nuid() + ".";
            ackDispatcher(ackPrefix + "*");
            nc.flush(REQUEST_TIMEOUT);
            template = run.payloadTemplate(0);
        }

        @Override
        String replyTo(long i) {
            return ackPrefix + i;
        }

        @Override
        byte[] encode(long i, long now) {
            byte[] b = template.clone();
            run.stamp(b, 0, i, now);
            return b;
        }

        @Override
        long ackIndex(Message m) {
            byte[] d = m.getData();
            if (d == null || d.length == 0 || indexOf(d, ERROR) >= 0) {
                ackError = d == null || d.length == 0 ? "empty ack" : new String(d, StandardCharsets.UTF_8);
            }
            String s = m.getSubject();
            try {
                return Long.parseLong(s, s.lastIndexOf('.') + 1, s.length(), 10);
            } catch (NumberFormatException e) {
                return -1;
            }
        }

        static int indexOf(byte[] hay, byte[] needle) {
            outer:
            for (int i = 0; i + needle.length <= hay.length; i++) {
                for (int j = 0; j < needle.length; j++) {
                    if (hay[i + j] != needle[j]) {
                        continue outer;
                    }
                }
                return i;
            }
            return -1;
        }

        @Override
        void close() {
            closeQuietly(nc);
        }
    }

    /**
     * Stamped payloads whose acks carry the stamp back: requests to the echo responder (its 24-byte reply), or, with
     * {@code core}, plain messages to the subject that the core subscribers ack on {@code <subject>.acks} (the
     * traffic of a STAN delivery stream without the server).
     */
    private static final class StampedPublisher extends PipelinedPublisher {
        final boolean core;
        String replyInbox;
        byte[] template;

        StampedPublisher(Run run, String name, long count, boolean core) {
            super(run, name, count);
            this.core = core;
        }

        @Override
        void connect() throws Exception {
            nc = connectNats(c, stats.name);
            subject = c.subject;
            openWindow();
            replyInbox = core ? null : "_INBOX.echo." + nuid();
            ackDispatcher(core ? c.subject + ".acks" : replyInbox);
            nc.flush(REQUEST_TIMEOUT);
            template = run.payloadTemplate(core ? STAMP : 24);
        }

        @Override
        String replyTo(long i) {
            return replyInbox;
        }

        @Override
        byte[] encode(long i, long now) {
            byte[] b = template.clone();
            run.stamp(b, 0, i, now);
            return b;
        }

        @Override
        long ackIndex(Message m) {
            byte[] d = m.getData();
            boolean ok = d != null && d.length >= STAMP && Wire.getInt(d, 16) == run.tag;
            if (!ok) {
                ackError = core ? "unexpected core ack" : "unexpected echo reply";
            }
            return ok ? Wire.getLong(d, 8) : -1;
        }

        @Override
        void close() {
            closeQuietly(nc);
        }
    }

    /** The official Java STAN client. */
    private static final class StanClientPublisher extends Publisher {
        Connection nc;
        StreamingConnection sc;
        byte[] template;

        StanClientPublisher(Run run, String name, long count) {
            super(run, name, count);
        }

        @Override
        void connect() throws Exception {
            nc = connectNats(c, stats.name);
            sc = new StreamingConnectionFactory(new io.nats.streaming.Options.Builder()
                    .natsConn(nc)
                    .clusterId(c.clusterId)
                    .clientId(stats.name)
                    .maxPubAcksInFlight(c.maxPubAcksInFlight)
                    .pubAckWait(Duration.ofSeconds(Math.max(30, c.timeoutSeconds)))
                    .connectWait(REQUEST_TIMEOUT)
                    .build()).createConnection();
            template = run.payloadTemplate(0);
        }

        @Override
        void publishAll(long deadline) throws Exception {
            stats.startNs = System.nanoTime();
            if (c.sync) {
                for (long i = 0; i < count; i++) {
                    if (remaining(deadline) <= 0) {
                        throw new TimeoutException(stats.name + " sent " + i + " of " + count);
                    }
                    long t = System.nanoTime();
                    byte[] b = template.clone();
                    run.stamp(b, 0, i, t);
                    String error = null;
                    try {
                        sc.publish(c.subject, b);
                    } catch (IOException | TimeoutException e) {
                        error = e.toString();
                    }
                    long now = System.nanoTime();
                    stats.record(now - t);
                    acked(now, error != null, error);
                }
                return;
            }
            AckHandler handler = new AckHandler() {
                @Override
                public void onAck(String guid, Exception ex) {
                    onAck(guid, null, null, ex);
                }

                @Override
                public void onAck(String guid, String subject, byte[] data, Exception ex) {
                    long now = System.nanoTime();
                    long sent = data == null ? -1 : run.stampedTime(data, 0, data.length);
                    if (sent > 0) {
                        stats.record(now - sent);
                    }
                    acked(now, ex != null, ex == null ? null : ex.toString());
                }

                @Override
                public boolean includeDataWithAck() {
                    return true;
                }
            };
            for (long i = 0; i < count; i++) {
                if (remaining(deadline) <= 0) {
                    throw new TimeoutException(stats.name + " sent " + i + " of " + count);
                }
                byte[] b = template.clone();
                run.stamp(b, 0, i, System.nanoTime());
                sc.publish(c.subject, b, handler);
            }
            awaitAcks(deadline);
        }

        @Override
        void close() {
            closeQuietly(sc);
            closeQuietly(nc);
        }
    }

    /** JetStream through the jnats JetStream API: publishAsync in a window, or publish with -sync. */
    private static final class JsApiPublisher extends Publisher {
        Connection nc;
        JetStream js;
        byte[] template;

        JsApiPublisher(Run run, String name, long count) {
            super(run, name, count);
        }

        @Override
        void connect() throws Exception {
            nc = connectNats(c, stats.name);
            js = nc.jetStream();
            template = run.payloadTemplate(0);
        }

        @Override
        void publishAll(long deadline) throws Exception {
            stats.startNs = System.nanoTime();
            Semaphore window = new Semaphore(c.sync ? 1 : c.maxPubAcksInFlight);
            for (long i = 0; i < count; i++) {
                if (!window.tryAcquire(Math.max(1, remaining(deadline)), TimeUnit.NANOSECONDS)) {
                    throw new TimeoutException(stats.name + " sent " + i + " of " + count + ", window full");
                }
                long t = System.nanoTime();
                byte[] b = template.clone();
                run.stamp(b, 0, i, t);
                if (c.sync) {
                    String error = null;
                    try {
                        PublishAck ack = js.publish(c.subject, b);
                        if (ack.hasError()) {
                            error = ack.getError();
                        }
                    } catch (IOException | JetStreamApiException e) {
                        error = e.toString();
                    }
                    long now = System.nanoTime();
                    stats.record(now - t);
                    acked(now, error != null, error);
                    window.release();
                } else {
                    js.publishAsync(c.subject, b).whenComplete((ack, ex) -> {
                        long now = System.nanoTime();
                        stats.record(now - t);
                        String error = ex != null ? ex.toString() : ack.hasError() ? ack.getError() : null;
                        acked(now, error != null, error);
                        window.release();
                    });
                }
            }
            awaitAcks(deadline);
        }

        @Override
        void close() {
            closeQuietly(nc);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // subscribers

    private abstract static class Subscriber {
        final Run run;
        final Config c;
        final ClientStats stats;
        final Group group;
        final AtomicLong received = new AtomicLong();
        final CompletableFuture<Void> done;
        volatile long lastNs;
        volatile long subscribedNs;
        /** Sequences seen, for stan/raw (null when not tracked); touched by the delivery thread only. */
        BitSet seen;

        Subscriber(Run run, String name, Group group) {
            this.run = run;
            this.c = run.c;
            this.stats = new ClientStats("sub", name);
            this.group = group;
            this.done = group != null ? group.done : new CompletableFuture<>();
            if (group == null && c.numMsgs == 0) {
                done.complete(null);
            }
        }

        abstract void start() throws Exception;

        abstract void close();

        /** Called on the delivery thread for every message (sequence -1 when unknown). */
        final void onMessage(long sequence, byte[] data, int off, int len, boolean redelivered) {
            long now = System.nanoTime();
            long sent = run.stampedTime(data, off, len);
            if (sent > 0) {
                stats.record(now - sent);
            }
            if (redelivered) {
                stats.redelivered++;
            }
            if (seen != null && sequence > 0 && sequence <= Integer.MAX_VALUE) {
                seen.set((int) sequence);
            }
            lastNs = now;
            long n = received.incrementAndGet();
            if (group != null) {
                if (group.received.incrementAndGet() == group.expected) {
                    group.done.complete(null);
                }
            } else if (n == c.numMsgs) {
                done.complete(null);
            }
        }
    }

    /** Raw SubscriptionRequest; MsgProto read in place; every message acked with a hand-encoded Ack. */
    private static final class RawStanSubscriber extends Subscriber {
        Connection nc;
        volatile String ackInbox;
        final CompletableFuture<String> ackInboxFuture = new CompletableFuture<>();
        byte[] ackPrefix;
        String closeSubject;

        RawStanSubscriber(Run run, String name, Group group) {
            super(run, name, group);
            seen = new BitSet();
        }

        @Override
        void start() throws Exception {
            nc = connectNats(c, stats.name);
            ConnectResponse cr = RawStanSession.connect(nc, c, stats.name);
            closeSubject = cr.getCloseRequests();
            byte[] channel = Wire.utf8(c.subject);
            ackPrefix = new byte[Wire.bytesFieldSize(1, channel.length)];
            Wire.putBytes(ackPrefix, 0, 1, channel);
            String inbox = "_INBOX.bench." + nuid();
            Dispatcher d = nc.createDispatcher(this::onDelivery);
            d.setPendingLimits(-1, -1);
            d.subscribe(inbox);
            nc.flush(REQUEST_TIMEOUT);
            SubscriptionRequest.Builder req = SubscriptionRequest.newBuilder()
                    .setClientID(stats.name)
                    .setSubject(c.subject)
                    .setInbox(inbox)
                    .setMaxInFlight(c.maxInFlight)
                    .setAckWaitInSecs(Math.max(30, c.timeoutSeconds))
                    .setStartPosition(c.ignoreOld ? StartPosition.NewOnly : StartPosition.First);
            if (c.qgroup != null) {
                req.setQGroup(c.qgroup);
            }
            subscribedNs = System.nanoTime();
            SubscriptionResponse r;
            try {
                r = SubscriptionResponse.parseFrom(request(nc, cr.getSubRequests(), req.build().toByteArray()).getData());
            } catch (IOException | InterruptedException | RuntimeException e) {
                ackInboxFuture.completeExceptionally(e);
                throw e;
            }
            if (!r.getError().isEmpty()) {
                IOException e = new IOException("subscribe: " + r.getError());
                ackInboxFuture.completeExceptionally(e);
                throw e;
            }
            ackInbox = r.getAckInbox();
            ackInboxFuture.complete(ackInbox);
        }

        private void onDelivery(Message m) {
            byte[] d = m.getData();
            long seq = 0;
            int dataAt = 0;
            int dataLen = 0;
            boolean redelivered = false;
            try {
                Wire.Reader r = new Wire.Reader(d);
                while (r.more()) {
                    int tag = (int) r.varint();
                    switch (tag) {
                        case (1 << 3) -> seq = r.varint();
                        case (4 << 3) | Wire.WT_LEN -> {
                            dataAt = r.lengthDelimited();
                            dataLen = r.len;
                        }
                        case (6 << 3) -> redelivered = r.varint() != 0;
                        default -> r.skip(tag & 7);
                    }
                }
            } catch (IllegalArgumentException e) {
                stats.errors++;
                return;
            }
            String to = ackInbox;
            if (to == null) {
                try {
                    to = ackInboxFuture.get(REQUEST_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                } catch (Exception e) {
                    stats.errors++;
                    return;
                }
            }
            byte[] ack = new byte[ackPrefix.length + 1 + Wire.varintSize(seq)];
            System.arraycopy(ackPrefix, 0, ack, 0, ackPrefix.length);
            ack[ackPrefix.length] = (byte) Wire.tag(2, Wire.WT_VARINT);
            Wire.putVarint(ack, ackPrefix.length + 1, seq);
            nc.publish(to, ack);
            onMessage(seq, d, dataAt, dataLen, redelivered);
        }

        @Override
        void close() {
            RawStanSession.close(nc, closeSubject, stats.name);
        }
    }

    /** Plain NATS subscriber: acks each message with its stamp to {@code <subject>.acks}. */
    private static final class CoreSubscriber extends Subscriber {
        Connection nc;
        String ackSubject;

        CoreSubscriber(Run run, String name) {
            super(run, name, null);
        }

        @Override
        void start() throws Exception {
            nc = connectNats(c, stats.name);
            ackSubject = c.subject + ".acks";
            Dispatcher d = nc.createDispatcher(m -> {
                byte[] data = m.getData();
                nc.publish(ackSubject, Arrays.copyOf(data, Math.min(data.length, STAMP)));
                onMessage(-1, data, 0, data.length, false);
            });
            d.setPendingLimits(-1, -1);
            d.subscribe(c.subject);
            nc.flush(REQUEST_TIMEOUT);
            subscribedNs = System.nanoTime();
        }

        @Override
        void close() {
            closeQuietly(nc);
        }
    }

    /** The official Java STAN client; it acks each message after the handler returns. */
    private static final class StanClientSubscriber extends Subscriber {
        Connection nc;
        StreamingConnection sc;

        StanClientSubscriber(Run run, String name, Group group) {
            super(run, name, group);
            seen = new BitSet();
        }

        @Override
        void start() throws Exception {
            nc = connectNats(c, stats.name);
            sc = new StreamingConnectionFactory(new io.nats.streaming.Options.Builder()
                    .natsConn(nc)
                    .clusterId(c.clusterId)
                    .clientId(stats.name)
                    .connectWait(REQUEST_TIMEOUT)
                    .build()).createConnection();
            SubscriptionOptions.Builder o = new SubscriptionOptions.Builder()
                    .maxInFlight(c.maxInFlight)
                    .ackWait(Duration.ofSeconds(Math.max(30, c.timeoutSeconds)))
                    .subscriptionTimeout(REQUEST_TIMEOUT);
            if (!c.ignoreOld) {
                o.deliverAllAvailable();
            }
            io.nats.streaming.MessageHandler h = m -> {
                byte[] d = m.getData();
                onMessage(m.getSequence(), d, 0, d == null ? 0 : d.length, m.isRedelivered());
            };
            subscribedNs = System.nanoTime();
            if (c.qgroup == null) {
                sc.subscribe(c.subject, h, o.build());
            } else {
                sc.subscribe(c.subject, c.qgroup, h, o.build());
            }
        }

        @Override
        void close() {
            closeQuietly(sc);
            closeQuietly(nc);
        }
    }

    private static ConsumerConfiguration.Builder consumerConfig(Config c) {
        return ConsumerConfiguration.builder()
                .ackPolicy(AckPolicy.Explicit)
                .ackWait(Duration.ofSeconds(Math.max(30, c.timeoutSeconds)))
                .deliverPolicy(c.ignoreOld ? DeliverPolicy.New : DeliverPolicy.All)
                .maxAckPending(c.maxInFlight);
    }

    /** JetStream push consumer, explicit ack of every message. */
    private static final class JsPushSubscriber extends Subscriber {
        Connection nc;
        JetStreamSubscription sub;

        final int index;
        String durable;

        JsPushSubscriber(Run run, String name, int index, Group group) {
            super(run, name, group);
            this.index = index;
        }

        @Override
        void start() throws Exception {
            nc = connectNats(c, stats.name);
            JetStream js = nc.jetStream();
            Dispatcher d = nc.createDispatcher();
            d.setPendingLimits(-1, -1);
            ConsumerConfiguration.Builder cc = consumerConfig(c);
            if (c.qgroup != null) {
                // members of a queue group bind to one durable consumer with that deliver group
                durable = ("q_" + c.qgroup + "_" + run.tagHex).replaceAll("[^A-Za-z0-9_-]", "_");
                cc.durable(durable).deliverGroup(c.qgroup);
            }
            PushSubscribeOptions pso = PushSubscribeOptions.builder().stream(run.stream)
                    .configuration(cc.build()).build();
            io.nats.client.MessageHandler h = m -> {
                m.ack();
                byte[] data = m.getData();
                onMessage(-1, data, 0, data == null ? 0 : data.length, false);
            };
            subscribedNs = System.nanoTime();
            sub = c.qgroup == null ? js.subscribe(c.subject, d, h, false, pso)
                    : js.subscribe(c.subject, c.qgroup, d, h, false, pso);
        }

        @Override
        void close() {
            try {
                if (sub != null) {
                    sub.unsubscribe();
                }
                if (durable != null && index == 0) {
                    nc.jetStreamManagement().deleteConsumer(run.stream, durable);
                }
            } catch (IOException | JetStreamApiException | RuntimeException ignored) {
                // the stream goes away with the benchmark's nats-server anyway
            }
            closeQuietly(nc);
        }
    }

    /** JetStream pull consumer (jnats consume(): batches of -batch kept flowing), explicit ack of every message. */
    private static final class JsPullSubscriber extends Subscriber {
        final int index;
        Connection nc;
        MessageConsumer consumer;
        String durable;

        JsPullSubscriber(Run run, String name, int index, Group group) {
            super(run, name, group);
            this.index = index;
        }

        @Override
        void start() throws Exception {
            nc = connectNats(c, stats.name);
            JetStreamManagement jsm = nc.jetStreamManagement();
            durable = (c.qgroup != null ? "q_" + c.qgroup + "_" + run.tagHex : "pull_" + run.tagHex + "_" + index)
                    .replaceAll("[^A-Za-z0-9_-]", "_");
            if (c.qgroup == null || index == 0) {
                jsm.addOrUpdateConsumer(run.stream, consumerConfig(c).durable(durable).build());
            }
            io.nats.client.MessageHandler h = m -> {
                m.ack();
                byte[] data = m.getData();
                onMessage(-1, data, 0, data == null ? 0 : data.length, false);
            };
            subscribedNs = System.nanoTime();
            consumer = nc.getConsumerContext(run.stream, durable)
                    .consume(io.nats.client.ConsumeOptions.builder().batchSize(c.batch).build(), h);
        }

        @Override
        void close() {
            if (consumer != null) {
                consumer.stop();
                closeQuietly(consumer);
            }
            if (nc != null && (c.qgroup == null || index == 0)) {
                try {
                    nc.jetStreamManagement().deleteConsumer(run.stream, durable);
                } catch (IOException | JetStreamApiException | RuntimeException ignored) {
                    // the stream goes away with the benchmark's nats-server anyway
                }
            }
            closeQuietly(nc);
        }
    }

    /** ConnectRequest / CloseRequest for the raw clients, heartbeats answered on the client's connection. */
    static final class RawStanSession {
        private RawStanSession() {
        }

        static byte[] connId(String clientId) {
            return Wire.utf8("conn-" + clientId);
        }

        static ConnectResponse connect(Connection nc, Config c, String clientId) throws IOException, InterruptedException {
            String hbInbox = "_INBOX.hb." + nuid();
            Dispatcher hb = nc.createDispatcher(m -> {
                if (m.getReplyTo() != null) {
                    nc.publish(m.getReplyTo(), new byte[0]);
                }
            });
            hb.subscribe(hbInbox);
            try {
                nc.flush(REQUEST_TIMEOUT);
            } catch (TimeoutException e) {
                throw new IOException("flush timed out", e);
            }
            ConnectRequest req = ConnectRequest.newBuilder()
                    .setClientID(clientId)
                    .setHeartbeatInbox(hbInbox)
                    .setProtocol(1)
                    .setConnID(com.google.protobuf.ByteString.copyFrom(connId(clientId)))
                    .setPingInterval(5)
                    .setPingMaxOut(88)
                    .build();
            Message m;
            try {
                m = request(nc, "_STAN.discover." + c.clusterId, req.toByteArray());
            } catch (IOException e) {
                throw new IOException("no STAN server answered on cluster ID " + c.clusterId + ": " + e.getMessage(), e);
            }
            ConnectResponse r = ConnectResponse.parseFrom(m.getData());
            if (!r.getError().isEmpty()) {
                throw new IOException("connect: " + r.getError());
            }
            return r;
        }

        static void close(Connection nc, String closeSubject, String clientId) {
            if (nc == null) {
                return;
            }
            if (closeSubject != null && !closeSubject.isEmpty()) {
                try {
                    nc.request(closeSubject, CloseRequest.newBuilder().setClientID(clientId).build().toByteArray(),
                            Duration.ofSeconds(5));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException ignored) {
                    // closing anyway
                }
            }
            closeQuietly(nc);
        }
    }
}
