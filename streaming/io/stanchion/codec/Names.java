package io.stanchion.codec;


/**
 * Validation of client IDs, channel, durable and queue group names (the original server's rules, plus length
 * limits) and of the subjects clients name for the server to publish to.
 *
 * <p>Lengths: the server's own {@code PUB} lines carry at most an inbox ({@link #MAX_INBOX_LENGTH}) and, for a
 * heartbeat, its request inbox (about 60 characters) as reply, well within nats-server's max_control_line (4,096).
 * Channel names travel in payloads, and in the client's publish subject {@code _STAN.pub.<cid>.<channel>}: with
 * {@link #MAX_CHANNEL_LENGTH} and a client inbox as reply that line stays within 2 KB for any sane cluster ID.
 */
public final class Names {
    /** Longest client ID accepted (the original has no limit). */
    public static final int MAX_CLIENT_ID_LENGTH = 256;
    /** Longest channel name accepted (the original has no limit). */
    public static final int MAX_CHANNEL_LENGTH = 512;
    /** Longest durable name accepted. */
    public static final int MAX_DURABLE_LENGTH = 256;
    /** Longest queue group name accepted. */
    public static final int MAX_QUEUE_LENGTH = 256;

    private Names() {
    }

    /** Non-empty, only ASCII letters, digits, '-' and '_'. */
    public static boolean isValidClientId(String id) {
        if (id == null || id.isEmpty()) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Longest inbox accepted: its PUB line must stay within nats-server's max_control_line (4,096 bytes). */
    public static final int MAX_INBOX_LENGTH = 1024;

    /**
     * A subject the server may publish to (a client's inbox): non-empty, at most {@link #MAX_INBOX_LENGTH}
     * characters, no whitespace or control character. The NATS connections do not check the subjects they publish
     * to (that costs on every message), and a line the broker refuses would cost the connection, so every subject a
     * client names for the server to publish to is checked here, once, when the client names it.
     */
    public static boolean isPublishableSubject(String subject) {
        if (subject == null || subject.isEmpty() || subject.length() > MAX_INBOX_LENGTH) {
            return false;
        }
        for (int i = 0; i < subject.length(); i++) {
            char c = subject.charAt(i);
            if (c <= ' ' || c == 0x7f || Character.isWhitespace(c) || Character.isISOControl(c)) {
                return false;
            }
        }
        return true;
    }

    /**
     * A literal subject of at most {@link #MAX_CHANNEL_LENGTH} characters: non-empty, no '/', no empty token
     * (leading, trailing or double '.'), no wildcard '*' or '>', and no whitespace (NATS could not carry it).
     */
    public static boolean isValidChannel(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_CHANNEL_LENGTH || name.charAt(0) == '.'
                || name.charAt(name.length() - 1) == '.') {
            return false;
        }
        char prev = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == '*' || c == '>' || Character.isWhitespace(c) || (c == '.' && prev == '.')) {
                return false;
            }
            prev = c;
        }
        return true;
    }
}
