package io.stanchion.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The store limits (original server §2.7): a global {@code max_channels}, global per-channel defaults, and optional
 * per-channel entries keyed by a literal channel name or a NATS wildcard ({@code foo.*}, {@code foo.>}). Immutable;
 * made by {@link Builder#build()}, which validates.
 *
 * <h2>Resolution ({@link #forChannel})</h2>
 * All entries whose name matches the channel are ordered from the most to the least specific; every field takes its
 * value from the first entry of that order that sets it, else from the global defaults. An entry that sets a field
 * to 0 makes that field unlimited for the channels it governs (and stops the search for that field only); an entry
 * that leaves a field unset ({@code null} in {@link Overrides}) passes it on to the next wider entry.
 *
 * <p>Specificity order, most specific first (a total order, {@link #SPECIFICITY}):
 * <ol>
 *   <li>a literal name (no wildcard) before any wildcard;</li>
 *   <li>more literal tokens first ({@code foo.bar.>} before {@code foo.*.*});</li>
 *   <li>a name without {@code >} before a name with {@code >} ({@code foo.*} before {@code foo.>});</li>
 *   <li>more tokens first ({@code foo.*.>} before {@code foo.>});</li>
 *   <li>token by token from the left, at the first token whose kind differs: literal before {@code *} before
 *       {@code >} ({@code foo.bar.*} before {@code foo.*.baz});</li>
 *   <li>finally the names' natural string order, so that the order never depends on the input order.</li>
 * </ol>
 *
 * <p>Matching uses NATS subject semantics: {@code *} matches exactly one token, {@code >} one or more trailing
 * tokens. An entry's own effective limits (shown by {@link #describe()}) are resolved the same way, where a wildcard
 * token of the entry is matched only by {@code *} or {@code >} of a wider entry.
 */
public final class StoreLimits {

    /** Orders channel-name patterns from the most to the least specific (see the class comment). */
    public static final Comparator<String> SPECIFICITY = StoreLimits::compareSpecificity;

    // (after SPECIFICITY, which building uses)
    /**
     * The original's defaults (declared in {@link OptionRegistry}): 100 channels, {@link ChannelLimits#DEFAULT} per
     * channel, no per-channel entry.
     */
    public static final StoreLimits DEFAULT = new Builder().build();

    private final int maxChannels;
    private final ChannelLimits defaults;
    /** Sorted by {@link #SPECIFICITY}, most specific first. */
    private final List<Map.Entry<String, Overrides>> entries;
    private final Map<String, Overrides> perChannel;
    private final String origin;

    private StoreLimits(int maxChannels, ChannelLimits defaults, Map<String, Overrides> perChannel, String origin) {
        this.maxChannels = maxChannels;
        this.origin = origin;
        this.defaults = defaults;
        List<Map.Entry<String, Overrides>> list = new ArrayList<>();
        for (Map.Entry<String, Overrides> e : perChannel.entrySet()) {
            list.add(Map.entry(e.getKey(), e.getValue()));
        }
        list.sort(Map.Entry.comparingByKey(SPECIFICITY));
        this.entries = List.copyOf(list);
        Map<String, Overrides> byName = new LinkedHashMap<>();
        for (Map.Entry<String, Overrides> e : list) {
            byName.put(e.getKey(), e.getValue());
        }
        this.perChannel = Collections.unmodifiableMap(byName);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.maxChannels = maxChannels;
        b.maxMsgs = defaults.maxMsgs();
        b.maxBytes = defaults.maxBytes();
        b.maxAge = defaults.maxAge();
        b.maxSubs = defaults.maxSubs();
        b.maxInactivity = defaults.maxInactivity();
        b.perChannel.putAll(perChannel);
        b.origin = origin;
        return b;
    }

    /** Global max number of channels; 0 = unlimited. */
    public int maxChannels() {
        return maxChannels;
    }

    /** The global per-channel limits, used for every field no matching entry sets. */
    public ChannelLimits defaults() {
        return defaults;
    }

    /** The per-channel entries as configured (unresolved), most specific first. */
    public Map<String, Overrides> perChannel() {
        return perChannel;
    }

    /** The limits in force for {@code channel} (a literal channel name, or an entry's own wildcard name). */
    public ChannelLimits forChannel(String channel) {
        return resolve(channel).limits;
    }

    private Resolution resolve(String channel) {
        String[] subject = channel.split("\\.", -1);
        List<String> matching = new ArrayList<>();
        List<Overrides> overrides = new ArrayList<>();
        for (Map.Entry<String, Overrides> e : entries) {
            if (matches(e.getKey().split("\\.", -1), subject)) {
                matching.add(e.getKey());
                overrides.add(e.getValue());
            }
        }
        String[] from = new String[5];
        Long msgs = null;
        Long bytes = null;
        Duration age = null;
        Integer subs = null;
        Duration inactivity = null;
        for (int i = 0; i < overrides.size(); i++) {
            Overrides o = overrides.get(i);
            String name = matching.get(i);
            if (msgs == null && o.maxMsgs() != null) {
                msgs = o.maxMsgs();
                from[0] = name;
            }
            if (bytes == null && o.maxBytes() != null) {
                bytes = o.maxBytes();
                from[1] = name;
            }
            if (age == null && o.maxAge() != null) {
                age = o.maxAge();
                from[2] = name;
            }
            if (subs == null && o.maxSubs() != null) {
                subs = o.maxSubs();
                from[3] = name;
            }
            if (inactivity == null && o.maxInactivity() != null) {
                inactivity = o.maxInactivity();
                from[4] = name;
            }
        }
        ChannelLimits limits = new ChannelLimits(
                msgs != null ? msgs : defaults.maxMsgs(),
                bytes != null ? bytes : defaults.maxBytes(),
                age != null ? age : defaults.maxAge(),
                subs != null ? subs : defaults.maxSubs(),
                inactivity != null ? inactivity : defaults.maxInactivity());
        return new Resolution(limits, from);
    }

    /** Where each resolved field came from: an entry name, or null for the global defaults. */
    private record Resolution(ChannelLimits limits, String[] from) {
    }

    /**
     * Whether {@code pattern} matches {@code subject}. A wildcard token of the subject is matched only by a wildcard
     * of the pattern ({@code *} by {@code *} or {@code >}, {@code >} by {@code >}).
     */
    static boolean matches(String[] pattern, String[] subject) {
        for (int i = 0; i < pattern.length; i++) {
            String p = pattern[i];
            if (p.equals(">")) {
                return subject.length > i;
            }
            if (i >= subject.length) {
                return false;
            }
            String s = subject[i];
            if (s.equals(">")) {
                return false;
            }
            if (!p.equals("*") && !p.equals(s)) {
                return false;
            }
        }
        return pattern.length == subject.length;
    }

    private static int compareSpecificity(String a, String b) {
        String[] ta = a.split("\\.", -1);
        String[] tb = b.split("\\.", -1);
        boolean litA = isLiteral(ta);
        boolean litB = isLiteral(tb);
        if (litA != litB) {
            return litA ? -1 : 1;
        }
        int c = Integer.compare(literalTokens(tb), literalTokens(ta));
        if (c != 0) {
            return c;
        }
        boolean fwcA = ta[ta.length - 1].equals(">");
        boolean fwcB = tb[tb.length - 1].equals(">");
        if (fwcA != fwcB) {
            return fwcA ? 1 : -1;
        }
        c = Integer.compare(tb.length, ta.length);
        if (c != 0) {
            return c;
        }
        for (int i = 0; i < ta.length; i++) {
            c = Integer.compare(kind(ta[i]), kind(tb[i]));
            if (c != 0) {
                return c;
            }
        }
        return a.compareTo(b);
    }

    private static int kind(String token) {
        return switch (token) {
            case "*" -> 1;
            case ">" -> 2;
            default -> 0;
        };
    }

    private static boolean isLiteral(String[] tokens) {
        return literalTokens(tokens) == tokens.length;
    }

    private static int literalTokens(String[] tokens) {
        int n = 0;
        for (String t : tokens) {
            if (kind(t) == 0) {
                n++;
            }
        }
        return n;
    }

    /** Whether {@code name} has no wildcard token (assumes a valid name). */
    public static boolean isLiteral(String name) {
        return isLiteral(name.split("\\.", -1));
    }

    /**
     * Checks a per-channel entry name: a channel name, where {@code *} and {@code >} may be whole tokens and
     * {@code >} only the last one. Returns null when valid, else the reason (no name in it).
     */
    public static String invalidNameReason(String name) {
        if (name == null || name.isEmpty()) {
            return "the name is empty";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isWhitespace(c) || c == '/') {
                return "character '" + (Character.isWhitespace(c) ? "whitespace" : c) + "' is not allowed";
            }
        }
        String[] tokens = name.split("\\.", -1);
        for (int i = 0; i < tokens.length; i++) {
            String t = tokens[i];
            if (t.isEmpty()) {
                return "empty token (leading, trailing or double '.')";
            }
            if ((t.indexOf('*') >= 0 || t.indexOf('>') >= 0) && !t.equals("*") && !t.equals(">")) {
                return "a wildcard must be a whole token, like foo.* or foo.>";
            }
            if (t.equals(">") && i != tokens.length - 1) {
                return "'>' must be the last token";
            }
        }
        return null;
    }

    /**
     * The limits table logged at startup, in the spirit of the original's: the global limits ({@code *} = the
     * default value), then every per-channel entry, widest first, with all five effective values ({@code *} = not
     * set by the entry itself, inherited from the wider entry named in parentheses or from the global limits).
     */
    public String describe() {
        List<String> lines = new ArrayList<>();
        String title = "---------- Store Limits ----------";
        lines.add(title);
        lines.add(String.format("Channels:        %s", value(maxChannels, LimitKind.COUNT,
                maxChannels == DEFAULT.maxChannels)));
        lines.add("--------- Channels Limits --------");
        ChannelLimits d = ChannelLimits.DEFAULT;
        String[] marks = {
                defaults.maxSubs() == d.maxSubs() ? "*" : null,
                defaults.maxMsgs() == d.maxMsgs() ? "*" : null,
                defaults.maxBytes() == d.maxBytes() ? "*" : null,
                defaults.maxAge().equals(d.maxAge()) ? "*" : null,
                defaults.maxInactivity().equals(d.maxInactivity()) ? "*" : null};
        addFields(lines, "  ", defaults, marks, new String[5]);
        if (!entries.isEmpty()) {
            lines.add("-------- List of Channels --------");
            List<Map.Entry<String, Overrides>> widestFirst = new ArrayList<>(entries);
            Collections.reverse(widestFirst);
            for (Map.Entry<String, Overrides> e : widestFirst) {
                Overrides o = e.getValue();
                Resolution r = resolve(e.getKey());
                lines.add(e.getKey());
                String[] inherited = {
                        o.maxSubs() == null ? "*" : null,
                        o.maxMsgs() == null ? "*" : null,
                        o.maxBytes() == null ? "*" : null,
                        o.maxAge() == null ? "*" : null,
                        o.maxInactivity() == null ? "*" : null};
                // from[] is in record order (msgs, bytes, age, subs, inactivity); the table is subs first.
                String[] from = {r.from[3], r.from[0], r.from[1], r.from[2], r.from[4]};
                addFields(lines, " |-> ", r.limits, inherited, from);
            }
        }
        int width = title.length();
        for (String l : lines) {
            width = Math.max(width, l.length());
        }
        lines.add("-".repeat(width));
        lines.add("(* = default value; for a channel: inherited, from the entry in parentheses or the global limits)");
        return String.join("\n", lines);
    }

    private enum LimitKind { COUNT, BYTES, DURATION }

    private static void addFields(List<String> lines, String prefix, ChannelLimits l, String[] marks, String[] from) {
        String[] labels = {"Subscriptions", "Messages     ", "Bytes        ", "Age          ", "Inactivity   "};
        String[] values = {
                value(l.maxSubs(), LimitKind.COUNT, false),
                value(l.maxMsgs(), LimitKind.COUNT, false),
                value(l.maxBytes(), LimitKind.BYTES, false),
                value(l.maxAge().toNanos(), LimitKind.DURATION, false),
                value(l.maxInactivity().toNanos(), LimitKind.DURATION, false)};
        for (int i = 0; i < labels.length; i++) {
            StringBuilder sb = new StringBuilder(prefix).append(labels[i]).append(": ").append(values[i]);
            if (marks[i] != null) {
                sb.append(" *");
                if (from[i] != null) {
                    sb.append(" (").append(from[i]).append(')');
                }
            }
            lines.add(sb.toString());
        }
    }

    private static String value(long v, LimitKind kind, boolean isDefault) {
        String s;
        if (v == 0) {
            s = "unlimited";
        } else {
            s = switch (kind) {
                case COUNT -> Long.toString(v);
                case BYTES -> friendlyBytes(v);
                case DURATION -> Durations.format(Duration.ofNanos(v));
            };
        }
        return String.format("%13s", s) + (isDefault ? " *" : "");
    }

    /** 1024-based, two decimals: "976.56 MB"; below 1 KB: "512 B". */
    static String friendlyBytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KB", "MB", "GB", "TB", "PB", "EB"};
        double v = bytes;
        int i = -1;
        while (v >= 1024 && i < units.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format(Locale.ROOT, "%.2f %s", v, units[i]);
    }

    static String render(long maxMsgs, long maxBytes, Duration maxAge, int maxSubs, Duration maxInactivity) {
        return "max_msgs=" + maxMsgs + " max_bytes=" + maxBytes + " max_age=" + Durations.format(maxAge)
                + " max_subs=" + maxSubs + " max_inactivity=" + Durations.format(maxInactivity);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StoreLimits s && s.maxChannels == maxChannels && s.defaults.equals(defaults)
                && s.perChannel.equals(perChannel);
    }

    @Override
    public int hashCode() {
        return Objects.hash(maxChannels, defaults, perChannel);
    }

    @Override
    public String toString() {
        return "StoreLimits{max_channels=" + maxChannels + " " + defaults + " per_channel=" + perChannel + "}";
    }

    /**
     * The limits one per-channel entry sets. {@code null} = unset (inherited from the next wider matching entry,
     * then the global limits); 0 = unlimited for this field; negative values are rejected.
     */
    public record Overrides(Long maxMsgs, Long maxBytes, Duration maxAge, Integer maxSubs, Duration maxInactivity) {
        /** An entry that sets nothing. */
        public static final Overrides NONE = new Overrides(null, null, null, null, null);

        public Overrides {
            if ((maxMsgs != null && maxMsgs < 0) || (maxBytes != null && maxBytes < 0)
                    || (maxAge != null && maxAge.isNegative()) || (maxSubs != null && maxSubs < 0)
                    || (maxInactivity != null && maxInactivity.isNegative())) {
                throw new IllegalArgumentException("per-channel limits can't be negative");
            }
        }

        public Overrides withMaxMsgs(long v) {
            return new Overrides(v, maxBytes, maxAge, maxSubs, maxInactivity);
        }

        public Overrides withMaxBytes(long v) {
            return new Overrides(maxMsgs, v, maxAge, maxSubs, maxInactivity);
        }

        public Overrides withMaxAge(Duration v) {
            return new Overrides(maxMsgs, maxBytes, v, maxSubs, maxInactivity);
        }

        public Overrides withMaxSubs(int v) {
            return new Overrides(maxMsgs, maxBytes, maxAge, v, maxInactivity);
        }

        public Overrides withMaxInactivity(Duration v) {
            return new Overrides(maxMsgs, maxBytes, maxAge, maxSubs, v);
        }

        @Override
        public String toString() {
            List<String> parts = new ArrayList<>();
            if (maxMsgs != null) {
                parts.add("max_msgs=" + maxMsgs);
            }
            if (maxBytes != null) {
                parts.add("max_bytes=" + maxBytes);
            }
            if (maxAge != null) {
                parts.add("max_age=" + Durations.format(maxAge));
            }
            if (maxSubs != null) {
                parts.add("max_subs=" + maxSubs);
            }
            if (maxInactivity != null) {
                parts.add("max_inactivity=" + Durations.format(maxInactivity));
            }
            return "{" + String.join(" ", parts) + "}";
        }
    }

    /** Mutable; {@link #build()} validates (IllegalArgumentException with a one-line message). */
    public static final class Builder {
        private int maxChannels = OptionRegistry.MAX_CHANNELS.defaultValue();
        private long maxMsgs = ChannelLimits.DEFAULT.maxMsgs();
        private long maxBytes = ChannelLimits.DEFAULT.maxBytes();
        private Duration maxAge = ChannelLimits.DEFAULT.maxAge();
        private int maxSubs = ChannelLimits.DEFAULT.maxSubs();
        private Duration maxInactivity = ChannelLimits.DEFAULT.maxInactivity();
        private final Map<String, Overrides> perChannel = new LinkedHashMap<>();
        private String origin;

        public Builder maxChannels(int v) { maxChannels = v; return this; }
        public Builder maxMsgs(long v) { maxMsgs = v; return this; }
        public Builder maxBytes(long v) { maxBytes = v; return this; }
        public Builder maxAge(Duration v) { maxAge = Objects.requireNonNull(v); return this; }
        public Builder maxSubs(int v) { maxSubs = v; return this; }
        public Builder maxInactivity(Duration v) { maxInactivity = Objects.requireNonNull(v); return this; }

        public int maxChannels() { return maxChannels; }
        public int maxSubs() { return maxSubs; }

        /** Adds (or replaces) the entry for a channel name or wildcard. */
        public Builder channel(String name, Overrides limits) {
            perChannel.put(name, Objects.requireNonNull(limits));
            return this;
        }

        public Builder clearChannels() {
            perChannel.clear();
            return this;
        }

        /** Where the per-channel entries were defined (e.g. "config file x.conf line 12"), for error messages. */
        public Builder origin(String v) {
            origin = v;
            return this;
        }

        public StoreLimits build() {
            if (maxChannels < 0) {
                throw new IllegalArgumentException("max_channels limit can't be negative (" + maxChannels + ")");
            }
            if (maxSubs < 0) {
                throw new IllegalArgumentException("max_subs limit can't be negative (" + maxSubs + ")");
            }
            if (maxMsgs < 0) {
                throw new IllegalArgumentException("max_msgs limit can't be negative (" + maxMsgs + ")");
            }
            if (maxBytes < 0) {
                throw new IllegalArgumentException("max_bytes limit can't be negative (" + maxBytes + ")");
            }
            if (maxAge.isNegative()) {
                throw new IllegalArgumentException("max_age limit can't be negative (" + Durations.format(maxAge)
                        + ")");
            }
            if (maxInactivity.isNegative()) {
                throw new IllegalArgumentException("max_inactivity limit can't be negative ("
                        + Durations.format(maxInactivity) + ")");
            }
            int literals = 0;
            for (String name : perChannel.keySet()) {
                String reason = invalidNameReason(name);
                if (reason != null) {
                    throw new IllegalArgumentException("invalid channel name \"" + name + "\" in per-channel limits: "
                            + reason);
                }
                if (isLiteral(name)) {
                    literals++;
                }
            }
            if (maxChannels > 0 && literals > maxChannels) {
                throw new IllegalArgumentException((origin == null ? "" : origin + ": ")
                        + "too many channels defined in per-channel limits (" + literals
                        + " literal names), the max_channels limit is set to " + maxChannels);
            }
            return new StoreLimits(maxChannels,
                    new ChannelLimits(maxMsgs, maxBytes, maxAge, maxSubs, maxInactivity), perChannel, origin);
        }
    }
}
