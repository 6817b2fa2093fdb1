package io.stanchion.store.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Locale;

/**
 * The master key of encryption at rest and the cipher new records are sealed with, as the original server defines
 * them: the master key is the SHA-256 of the configured key's bytes; each channel's key is
 * SHA-256(master ‖ "." ‖ channel name); the ciphers are AES-256-GCM ({@code AES}, code 1) and ChaCha20-Poly1305
 * ({@code CHACHA}, code 2), both with 12-byte nonces and 16-byte tags. Immutable; any thread.
 */
public final class EncryptionKey {
    /** The environment variable whose value, when set and not empty, wins over the configured key. */
    public static final String ENV_VARIABLE = "NATS_STREAMING_ENCRYPTION_KEY";

    static final byte CODE_AES = 1;
    static final byte CODE_CHACHA = 2;

    private final byte cipherCode;
    private final byte[] masterHash;

    private EncryptionKey(byte cipherCode, byte[] masterHash) {
        this.cipherCode = cipherCode;
        this.masterHash = masterHash;
    }

    /**
     * The key from the environment's {@link #ENV_VARIABLE} when set, else {@code configuredKey}; the caller's
     * {@code configuredKey} array is overwritten once hashed.
     *
     * @param cipherName {@code AES} or {@code CHACHA} (any case); {@code null} or empty means AES
     * @throws IllegalArgumentException "encryption key required" or "encryption cipher not supported" (the
     *                                  original's messages)
     */
    public static EncryptionKey of(String cipherName, byte[] configuredKey, String environmentKey) {
        byte code = cipherCode(cipherName);
        byte[] key = environmentKey != null && !environmentKey.isEmpty()
                ? environmentKey.getBytes(StandardCharsets.UTF_8) : configuredKey;
        if (key == null || key.length == 0) {
            throw new IllegalArgumentException("encryption key required");
        }
        byte[] hash = sha256(key);
        Arrays.fill(key, (byte) 'x');
        if (configuredKey != null) {
            Arrays.fill(configuredKey, (byte) 'x');
        }
        return new EncryptionKey(code, hash);
    }

    /** The cipher code of a cipher name: {@code AES} (also the default for null or empty) or {@code CHACHA}. */
    public static byte cipherCode(String cipherName) {
        if (cipherName == null || cipherName.isEmpty()) {
            return CODE_AES;
        }
        switch (cipherName.toUpperCase(Locale.ROOT)) {
            case "AES":
                return CODE_AES;
            case "CHACHA":
                return CODE_CHACHA;
            default:
                throw new IllegalArgumentException("encryption cipher not supported: \"" + cipherName
                        + "\" (AES or CHACHA)");
        }
    }

    /** The name of the cipher new records are sealed with: {@code AES} or {@code CHACHA}. */
    public String cipherName() {
        return cipherCode == CODE_AES ? "AES" : "CHACHA";
    }

    byte cipherCode() {
        return cipherCode;
    }

    /** SHA-256(master ‖ "." ‖ channel), the key of one channel's payloads. */
    byte[] channelKey(String channel) {
        byte[] name = channel.getBytes(StandardCharsets.UTF_8);
        byte[] material = new byte[masterHash.length + 1 + name.length];
        System.arraycopy(masterHash, 0, material, 0, masterHash.length);
        material[masterHash.length] = '.';
        System.arraycopy(name, 0, material, masterHash.length + 1, name.length);
        byte[] key = sha256(material);
        Arrays.fill(material, (byte) 0);
        return key;
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "EncryptionKey[" + cipherName() + "]"; // never the key
    }
}
