package io.stanchion.engine;

import java.security.SecureRandom;

/** Unguessable 22-character base-62 identifiers, for ack inboxes. Thread-safe. */
final class Nuid {
    private static final char[] DIGITS =
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private Nuid() {
    }

    static String next() {
        byte[] bytes = new byte[22];
        RANDOM.nextBytes(bytes);
        char[] out = new char[22];
        for (int i = 0; i < out.length; i++) {
            out[i] = DIGITS[(bytes[i] & 0xFF) % DIGITS.length];
        }
        return new String(out);
    }
}
