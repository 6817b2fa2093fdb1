package io.stanchion.bench;

import jdk.jfr.consumer.RecordedClass;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Summarizes a JFR recording as Markdown tables, the same aggregation as {@code jfr print --events
 * jdk.ExecutionSample} / {@code jdk.ObjectAllocationSample} grouped by top frame: CPU samples by thread, by top
 * frame, by the first Stanchion frame on the stack, and on the engine thread; allocation (sampled weight) by top
 * frame, by allocated class, by the first Stanchion frame; GC pauses.
 *
 * <pre>  java -cp ... io.stanchion.bench.JfrSummary recording.jfr [top]</pre>
 */
public final class JfrSummary {
    private static final String OWN = "io.stanchion.";

    private JfrSummary() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("Usage: JfrSummary <recording.jfr> [top] [focus thread, default stanchion-engine] [compact]");
            System.exit(2);
        }
        System.out.println(summarize(Path.of(args[0]), args.length > 1 ? Integer.parseInt(args[1]) : 20,
                args.length > 2 ? args[2] : "stanchion-engine", args.length > 3 && args[3].equals("compact")));
    }

    /** Counts (or weights) per key, printed as a table of the top entries. */
    static final class Tally {
        final Map<String, Long> values = new HashMap<>();
        long total;

        void add(String key, long weight) {
            values.merge(key, weight, Long::sum);
            total += weight;
        }

        void table(StringBuilder b, String keyTitle, String valueTitle, int top, boolean bytes) {
            b.append("| ").append(keyTitle).append(" | ").append(valueTitle).append(" | share |\n|---|---:|---:|\n");
            values.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
                    .limit(top).forEach(e -> b.append("| `").append(e.getKey()).append("` | ")
                            .append(bytes ? String.format(Locale.ROOT, "%.1f MiB", e.getValue() / 1048576.0)
                                    : String.format(Locale.ROOT, "%,d", e.getValue()))
                            .append(" | ").append(String.format(Locale.ROOT, "%.1f%%", 100.0 * e.getValue() / Math.max(1, total)))
                            .append(" |\n"));
            b.append('\n');
        }
    }

    static String frame(RecordedFrame f) {
        RecordedMethod m = f.getMethod();
        if (m == null) {
            return "?";
        }
        RecordedClass c = m.getType();
        String cls = c == null ? "?" : c.getName();
        int dot = cls.lastIndexOf('.');
        String pkg = dot < 0 ? "" : cls.substring(0, dot);
        // keep it readable: abbreviate well-known package prefixes
        pkg = pkg.replace("io.stanchion.", "").replace("java.util.concurrent", "j.u.c").replace("java.util", "j.u")
                .replace("java.lang", "j.l").replace("net.openhft.chronicle", "chronicle").replace("io.nats.client", "jnats")
                .replace("com.google.protobuf", "protobuf");
        return (pkg.isEmpty() ? "" : pkg + ".") + cls.substring(dot + 1) + "." + m.getName();
    }

    static String firstFrame(RecordedStackTrace st, Predicate<RecordedFrame> p) {
        if (st == null) {
            return "(no stack)";
        }
        for (RecordedFrame f : st.getFrames()) {
            if (f.isJavaFrame() && p.test(f)) {
                return frame(f);
            }
        }
        return "(none)";
    }

    static boolean own(RecordedFrame f) {
        RecordedMethod m = f.getMethod();
        return m != null && m.getType() != null && m.getType().getName().startsWith(OWN)
                && !m.getType().getName().startsWith("io.stanchion.protocol.");
    }

    /** The top {@code depth} frames, caller last ("a ← b ← c"), with consecutive JDK frames folded. */
    static String stack(RecordedStackTrace st, int depth) {
        if (st == null || st.getFrames().isEmpty()) {
            return "(no stack)";
        }
        StringBuilder b = new StringBuilder();
        int shown = 0;
        boolean lastWasJdk = false;
        for (RecordedFrame f : st.getFrames()) {
            if (shown >= depth) {
                b.append(" ← …");
                break;
            }
            boolean jdk = !library(f);
            if (jdk && lastWasJdk && shown > 0) {
                continue;
            }
            if (shown > 0) {
                b.append(" ← ");
            }
            b.append(frame(f));
            lastWasJdk = jdk;
            shown++;
        }
        return b.toString();
    }

    static String top(RecordedStackTrace st) {
        if (st == null || st.getFrames().isEmpty()) {
            return "(no stack)";
        }
        return frame(st.getFrames().get(0));
    }

    static String threadName(RecordedEvent e, String field) {
        RecordedThread t = e.getThread(field);
        if (t == null) {
            return "?";
        }
        String name = t.getJavaName() != null ? t.getJavaName() : t.getOSName();
        return name == null ? "?" : name;
    }

    static boolean library(RecordedFrame f) {
        RecordedMethod m = f.getMethod();
        if (m == null || m.getType() == null) {
            return false;
        }
        String n = m.getType().getName();
        return !(n.startsWith("java.") || n.startsWith("javax.") || n.startsWith("jdk.") || n.startsWith("sun.")
                || n.startsWith("com.sun."));
    }

    public static String summarize(Path file, int top) throws IOException {
        return summarize(file, top, "stanchion-engine");
    }

    /** As {@link #summarize(Path, int)}, with the per-thread tables for {@code focus} (a thread name prefix). */
    public static String summarize(Path file, int top, String focus) throws IOException {
        return summarize(file, top, focus, false);
    }

    /**
     * The tables; {@code compact} keeps only those that say where the time and the garbage come from (threads,
     * the focus thread's first Stanchion frames and hottest stacks, allocation by Stanchion frame and by stack).
     */
    public static String summarize(Path file, int top, String focus, boolean compact) throws IOException {
        Tally byThread = new Tally();
        Tally byTop = new Tally();
        Tally byOwn = new Tally();
        Tally engineTop = new Tally();
        Tally engineOwn = new Tally();
        Tally engineLib = new Tally();
        Tally engineStacks = new Tally();
        Tally allocStacks = new Tally();
        Tally allocTop = new Tally();
        Tally allocClass = new Tally();
        Tally allocOwn = new Tally();
        Tally allocThread = new Tally();
        long gcCount = 0;
        Duration gcPause = Duration.ZERO;
        Duration longestPause = Duration.ZERO;
        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        for (RecordedEvent e : events) {
            String type = e.getEventType().getName();
            switch (type) {
                case "jdk.ExecutionSample" -> {
                    RecordedStackTrace st = e.getStackTrace();
                    String thread = threadName(e, "sampledThread");
                    byThread.add(thread, 1);
                    byTop.add(top(st), 1);
                    byOwn.add(firstFrame(st, JfrSummary::own), 1);
                    if (thread.startsWith(focus)) {
                        engineTop.add(top(st), 1);
                        engineOwn.add(firstFrame(st, JfrSummary::own), 1);
                        engineLib.add(firstFrame(st, JfrSummary::library), 1);
                        engineStacks.add(stack(st, compact ? 5 : 7), 1);
                    }
                }
                case "jdk.ObjectAllocationSample" -> {
                    long w = e.getLong("weight");
                    RecordedStackTrace st = e.getStackTrace();
                    allocTop.add(top(st), w);
                    RecordedClass c = e.getClass("objectClass");
                    allocClass.add(c == null ? "?" : c.getName(), w);
                    allocOwn.add(firstFrame(st, JfrSummary::own), w);
                    allocThread.add(threadName(e, "eventThread"), w);
                    allocStacks.add(stack(st, compact ? 5 : 7), w);
                }
                case "jdk.GarbageCollection" -> {
                    gcCount++;
                    Duration d = e.getDuration("sumOfPauses");
                    gcPause = gcPause.plus(d);
                    if (d.compareTo(longestPause) > 0) {
                        longestPause = d;
                    }
                }
                default -> {
                }
            }
        }
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "CPU samples: %,d (jdk.ExecutionSample). Sampled allocation: %.0f MiB "
                        + "(jdk.ObjectAllocationSample weights). GC: %d collections, %d ms paused in total, longest %d ms.%n%n",
                byThread.total, allocTop.total / 1048576.0, gcCount, gcPause.toMillis(), longestPause.toMillis()));
        b.append("**CPU samples by thread**\n\n");
        byThread.table(b, "thread", "samples", compact ? 6 : 12, false);
        if (!compact) {
            b.append("**CPU samples by top frame (all threads)**\n\n");
            byTop.table(b, "method", "samples", top, false);
            b.append("**CPU samples by first Stanchion frame on the stack (all threads)**\n\n");
            byOwn.table(b, "method", "samples", top, false);
        }
        if (engineTop.total > 0) {
            if (!compact) {
                b.append("**Thread `").append(focus).append("`: top frame**\n\n");
                engineTop.table(b, "method", "samples", top, false);
                b.append("**Thread `").append(focus).append("`: first non-JDK frame (library or Stanchion)**\n\n");
                engineLib.table(b, "method", "samples", top, false);
            }
            b.append("**Thread `").append(focus).append("`: first Stanchion frame**\n\n");
            engineOwn.table(b, "method", "samples", top, false);
            b.append("**Thread `").append(focus).append("`: hottest stacks (top frame first)**\n\n");
            engineStacks.table(b, "stack", "samples", compact ? 10 : 12, false);
        }
        if (!compact) {
            b.append("**Allocation by top frame**\n\n");
            allocTop.table(b, "method", "sampled bytes", top, true);
            b.append("**Allocation by class**\n\n");
            allocClass.table(b, "class", "sampled bytes", Math.min(top, 15), true);
        }
        b.append("**Allocation by first Stanchion frame**\n\n");
        allocOwn.table(b, "method", "sampled bytes", compact ? Math.min(top, 8) : top, true);
        if (!compact) {
            b.append("**Allocation by thread**\n\n");
            allocThread.table(b, "thread", "sampled bytes", 10, true);
        }
        b.append("**Allocation: heaviest stacks (allocating frame first)**\n\n");
        allocStacks.table(b, "stack", "sampled bytes", compact ? 10 : 15, true);
        return b.toString();
    }
}
