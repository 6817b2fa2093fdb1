package io.stanchion.config;

/**
 * Keeps credentials out of log lines and error messages: the password (or token) in the user info of any URL in a
 * text is replaced, {@code nats://user:pass@host} becoming {@code nats://user:[REDACTED]@host} and
 * {@code nats://token@host} becoming {@code nats://[REDACTED]@host}; {@link #secrets} also hides the configured
 * password and token wherever they appear. Stateless; any thread.
 */
public final class Redaction {
    public static final String REDACTED = "[REDACTED]";
    /** Configured secrets shorter than this are not searched for in text (they would match ordinary words). */
    private static final int MIN_SECRET_LENGTH = 3;

    private Redaction() {
    }

    /** {@code text} with the secret part of every URL's user info replaced; null stays null. */
    public static String urls(String text) {
        if (text == null || text.indexOf('@') < 0) {
            return text;
        }
        StringBuilder out = null;
        int copied = 0;
        int from = 0;
        int scheme;
        while ((scheme = text.indexOf("://", from)) >= 0) {
            int start = scheme + 3;
            int end = start;
            while (end < text.length() && !endsAuthority(text.charAt(end))) {
                end++;
            }
            int at = text.lastIndexOf('@', end - 1);
            if (at >= start) {
                int colon = text.indexOf(':', start);
                int secretStart = colon >= 0 && colon < at ? colon + 1 : start;
                if (out == null) {
                    out = new StringBuilder(text.length() + 16);
                }
                out.append(text, copied, secretStart).append(REDACTED);
                copied = at;
            }
            from = Math.max(end, start);
        }
        if (out == null) {
            return text;
        }
        return out.append(text, copied, text.length()).toString();
    }

    private static boolean endsAuthority(char c) {
        return c == '/' || c == '?' || c == '#' || c == ',' || c == '"' || c == '\'' || c == ']' || c == ')'
                || c == '>' || c == ';' || Character.isWhitespace(c);
    }

    /** {@link #urls} plus every occurrence of the configured password and token replaced. */
    public static String secrets(String text, ServerConfig config) {
        String s = urls(text);
        if (s == null || config == null) {
            return s;
        }
        s = replace(s, config.natsPassword);
        return replace(s, config.natsToken);
    }

    private static String replace(String text, String secret) {
        if (secret == null || secret.length() < MIN_SECRET_LENGTH) {
            return text;
        }
        return text.replace(secret, REDACTED);
    }
}
