package io.stanchion.codec;

import java.util.ArrayList;
import java.util.List;

/**
 * Subjects a client may not make the server publish to: the ones it receives on (discover and pings subjects,
 * {@code <pubPrefix>.>}, the subscribe, unsubscribe, subscription-close and close subjects, its ack inboxes, its
 * NATS connection's request inboxes) — it would answer itself, possibly in a loop — and subjects with a wildcard
 * token ({@code *}, {@code >}), which the broker refuses to publish to. Checked for every heartbeat inbox, delivery
 * inbox and reply subject a client names; for publishes on every message, so the common case (a first character
 * no own subject starts with) costs one comparison and two character scans.
 *
 * <p>Immutable; any thread.
 */
final class OwnSubjects {
    private final String[] exact;
    private final String[] prefixes;
    /** The first character of every own subject and prefix. */
    private final String firstChars;

    private OwnSubjects(List<String> exact, List<String> prefixes) {
        this.exact = exact.toArray(String[]::new);
        this.prefixes = prefixes.toArray(String[]::new);
        StringBuilder first = new StringBuilder();
        for (List<String> list : List.of(exact, prefixes)) {
            for (String s : list) {
                if (first.indexOf(s.substring(0, 1)) < 0) {
                    first.append(s.charAt(0));
                }
            }
        }
        this.firstChars = first.toString();
    }

    /** The server's subjects, and {@code requestInboxPrefix} (its NATS connection's reply inboxes; null: none). */
    static OwnSubjects of(Subjects s, String requestInboxPrefix) {
        List<String> prefixes = new ArrayList<>(List.of(s.publishPrefix() + ".", s.ackPrefix()));
        if (requestInboxPrefix != null && !requestInboxPrefix.isEmpty()) {
            prefixes.add(requestInboxPrefix);
        }
        return new OwnSubjects(List.of(s.discover(), s.pings(), s.subscribe(), s.unsubscribe(), s.subClose(),
                s.close()), prefixes);
    }

    /** Whether the server must not publish to {@code subject} (an empty one is for the caller to judge). */
    boolean refused(String subject) {
        if (subject.isEmpty()) {
            return false;
        }
        if (firstChars.indexOf(subject.charAt(0)) >= 0 && isOwn(subject)) {
            return true;
        }
        return (subject.indexOf('*') >= 0 || subject.indexOf('>') >= 0) && hasWildcardToken(subject);
    }

    private boolean isOwn(String subject) {
        for (String e : exact) {
            if (subject.equals(e)) {
                return true;
            }
        }
        for (String p : prefixes) {
            if (subject.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    /** A token that is exactly {@code *} or {@code >}. */
    private static boolean hasWildcardToken(String subject) {
        int n = subject.length();
        for (int i = 0; i < n; i++) {
            char c = subject.charAt(i);
            if ((c == '*' || c == '>') && (i == 0 || subject.charAt(i - 1) == '.')
                    && (i == n - 1 || subject.charAt(i + 1) == '.')) {
                return true;
            }
        }
        return false;
    }
}
