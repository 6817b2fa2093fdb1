package io.stanchion.partition;

import java.util.ArrayList;
import java.util.List;

/**
 * Channel names and the wildcard patterns of {@code store_limits.channels} as NATS subjects: tokens separated by
 * {@code .}, where {@code *} matches one token and {@code >} (last token only) one or more.
 */
public final class ChannelPatterns {
    private ChannelPatterns() {
    }

    /** Whether {@code pattern} (literal or wildcard) matches the literal channel {@code channel}. */
    public static boolean matches(String pattern, String channel) {
        return overlap(pattern, channel);
    }

    /**
     * Whether some channel is matched by both {@code a} and {@code b} (each a literal name or a wildcard pattern):
     * {@code foo.*} and {@code foo.bar} overlap, as do {@code foo.>} and {@code foo.*.baz}, and {@code foo.*.baz}
     * and {@code foo.bar.*}; {@code foo} and {@code foo.>} do not ({@code >} needs a token).
     */
    public static boolean overlap(String a, String b) {
        String[] ta = a.split("\\.", -1);
        String[] tb = b.split("\\.", -1);
        int n = Math.min(ta.length, tb.length);
        for (int i = 0; i < n; i++) {
            if (ta[i].equals(">") || tb[i].equals(">")) {
                return true;
            }
            if (!ta[i].equals("*") && !tb[i].equals("*") && !ta[i].equals(tb[i])) {
                return false;
            }
        }
        return ta.length == tb.length;
    }

    /**
     * Every pair of overlapping entries, one of {@code ours} and one of {@code theirs}, as "ours ~ theirs" (quoted,
     * for an error message); empty when the two lists share no channel.
     */
    public static List<String> overlaps(List<String> ours, List<String> theirs) {
        List<String> found = new ArrayList<>();
        for (String o : ours) {
            for (String t : theirs) {
                if (overlap(o, t)) {
                    found.add(o.equals(t) ? "\"" + o + "\"" : "\"" + o + "\" ~ \"" + t + "\"");
                }
            }
        }
        return found;
    }
}
