package io.stanchion.store.crypto;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.spec.AlgorithmParameterSpec;
import java.util.Arrays;

/**
 * Seals and opens the payload of one channel's records. A stored record is the encoded {@code MsgProto}; sealing
 * replaces its {@code data} field (4) by a {@code sealed} field ({@value #SEALED_FIELD}, unknown to clients) holding
 * the cipher code (1 byte: 1 AES-256-GCM, 2 ChaCha20-Poly1305), the nonce (12 bytes) and the ciphertext with its
 * 16-byte tag; sequence, subject, reply and timestamp stay in the clear. Opening turns a sealed record back into the
 * record that was sealed, whichever of the two ciphers sealed it; a record without a sealed field (written
 * unencrypted, or with an empty payload, which is never sealed) is returned as it is.
 *
 * <p>Nonces: a random 96-bit value drawn when the sealer is made, its low 64 bits XORed with a counter that grows
 * with every seal (not the sequence: an append the log refuses — no space — leaves the sequence where it was, and
 * the next one must not reuse the nonce), so no two seals of one sealer share a nonce and logs reopened or
 * recreated under the same channel key draw fresh ones. The message's sequence is the associated data: a sealed
 * payload moved to another record of the channel does not open.
 *
 * <p>Threading: one thread at a time (the log's owner thread): the JDK's cipher objects are not thread-safe.
 */
final class RecordSealer {
    static final int DATA_FIELD = 4;
    static final int SEALED_FIELD = 15;
    private static final byte SEALED_TAG = (byte) (SEALED_FIELD << 3 | 2);
    private static final byte DATA_TAG = (byte) (DATA_FIELD << 3 | 2);
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BYTES = 16;
    private static final int OVERHEAD = 1 + NONCE_BYTES + TAG_BYTES;
    private static final String AES = "AES/GCM/NoPadding";
    private static final String CHACHA = "ChaCha20-Poly1305";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte sealWith;
    private final SecretKeySpec aesKey;
    private final SecretKeySpec chachaKey;
    private final byte[] nonceBase = new byte[NONCE_BYTES];
    /** Seals made so far: XORed into the nonce base. */
    private long seals;
    /** Ciphers by use: the JDK refuses to initialise one object twice in a row with the same key and nonce. */
    private Cipher aesSeal;
    private Cipher chachaSeal;
    private Cipher aesOpen;
    private Cipher chachaOpen;
    /** The nonce {@link #open} used last, per cipher: the same record opened again needs a fresh cipher object. */
    private byte[] aesOpened;
    private byte[] chachaOpened;

    RecordSealer(EncryptionKey key, String channel) {
        byte[] channelKey = key.channelKey(channel);
        this.sealWith = key.cipherCode();
        this.aesKey = new SecretKeySpec(channelKey, "AES");
        this.chachaKey = new SecretKeySpec(channelKey, "ChaCha20");
        Arrays.fill(channelKey, (byte) 0);
        RANDOM.nextBytes(nonceBase);
    }

    /** {@code record} with its payload sealed; the record itself when its payload is empty. */
    byte[] seal(long sequence, byte[] record) throws GeneralSecurityException {
        FieldSpan data = FieldSpan.find(record, DATA_FIELD);
        if (data == null || data.valueLength() == 0) {
            return record;
        }
        int sealedLength = data.valueLength() + OVERHEAD;
        byte[] out = replaced(record, data, SEALED_TAG, sealedLength);
        int p = valueStart(data, sealedLength);
        out[p++] = sealWith;
        byte[] nonce = nonce(++seals);
        System.arraycopy(nonce, 0, out, p, NONCE_BYTES);
        p += NONCE_BYTES;
        Cipher cipher = sealCipher(sealWith);
        cipher.init(Cipher.ENCRYPT_MODE, key(sealWith), parameters(sealWith, nonce));
        cipher.updateAAD(associatedData(sequence));
        cipher.doFinal(record, data.valueStart, data.valueLength(), out, p);
        return out;
    }

    /**
     * The record that was sealed as message {@code sequence}, or {@code record} itself when it holds no sealed
     * payload.
     *
     * @throws javax.crypto.AEADBadTagException when the payload was sealed under another key (or altered)
     * @throws GeneralSecurityException         for an unknown cipher code or a sealed field too short
     */
    byte[] open(long sequence, byte[] record) throws GeneralSecurityException {
        FieldSpan sealed = FieldSpan.find(record, SEALED_FIELD);
        if (sealed == null) {
            return record;
        }
        if (sealed.valueLength() < OVERHEAD) {
            throw new GeneralSecurityException("sealed payload of " + sealed.valueLength() + " bytes is too short");
        }
        byte code = record[sealed.valueStart];
        if (code != EncryptionKey.CODE_AES && code != EncryptionKey.CODE_CHACHA) {
            throw new GeneralSecurityException("unknown cipher code " + code);
        }
        byte[] nonce = Arrays.copyOfRange(record, sealed.valueStart + 1, sealed.valueStart + 1 + NONCE_BYTES);
        int plainLength = sealed.valueLength() - OVERHEAD;
        byte[] out = replaced(record, sealed, DATA_TAG, plainLength);
        Cipher cipher = openCipher(code, nonce);
        cipher.init(Cipher.DECRYPT_MODE, key(code), parameters(code, nonce));
        cipher.updateAAD(associatedData(sequence));
        int cipherStart = sealed.valueStart + 1 + NONCE_BYTES;
        cipher.doFinal(record, cipherStart, sealed.valueEnd - cipherStart, out, valueStart(sealed, plainLength));
        return out;
    }

    /**
     * A copy of {@code record} in which the field at {@code span} becomes field {@code tag} with a value of
     * {@code length} bytes, left for the caller to fill from {@link #valueStart}; the fields around it are copied.
     */
    private static byte[] replaced(byte[] record, FieldSpan span, byte tag, int length) {
        byte[] out = new byte[record.length - (span.valueEnd - span.tagStart) + 1 + varintSize(length) + length];
        System.arraycopy(record, 0, out, 0, span.tagStart);
        out[span.tagStart] = tag;
        int value = putVarint(out, span.tagStart + 1, length);
        System.arraycopy(record, span.valueEnd, out, value + length, record.length - span.valueEnd);
        return out;
    }

    /** Where {@link #replaced} puts the new value. */
    private static int valueStart(FieldSpan span, int length) {
        return span.tagStart + 1 + varintSize(length);
    }

    /** Whether {@code record} holds a sealed payload. */
    static boolean isSealed(byte[] record) {
        return FieldSpan.find(record, SEALED_FIELD) != null;
    }

    private byte[] nonce(long counter) {
        byte[] nonce = nonceBase.clone();
        for (int i = 0; i < 8; i++) {
            nonce[NONCE_BYTES - 1 - i] ^= (byte) (counter >>> (8 * i));
        }
        return nonce;
    }

    /** The message's sequence, big-endian: authenticated with the payload. */
    private static byte[] associatedData(long sequence) {
        byte[] ad = new byte[8];
        for (int i = 0; i < 8; i++) {
            ad[7 - i] = (byte) (sequence >>> (8 * i));
        }
        return ad;
    }

    private Cipher sealCipher(byte code) throws GeneralSecurityException {
        if (code == EncryptionKey.CODE_AES) {
            if (aesSeal == null) {
                aesSeal = Cipher.getInstance(AES);
            }
            return aesSeal;
        }
        if (chachaSeal == null) {
            chachaSeal = Cipher.getInstance(CHACHA);
        }
        return chachaSeal;
    }

    private Cipher openCipher(byte code, byte[] nonce) throws GeneralSecurityException {
        if (code == EncryptionKey.CODE_AES) {
            if (aesOpen == null || Arrays.equals(nonce, aesOpened)) {
                aesOpen = Cipher.getInstance(AES);
            }
            aesOpened = nonce;
            return aesOpen;
        }
        if (chachaOpen == null || Arrays.equals(nonce, chachaOpened)) {
            chachaOpen = Cipher.getInstance(CHACHA);
        }
        chachaOpened = nonce;
        return chachaOpen;
    }

    private SecretKeySpec key(byte code) {
        return code == EncryptionKey.CODE_AES ? aesKey : chachaKey;
    }

    private static AlgorithmParameterSpec parameters(byte code, byte[] nonce) {
        return code == EncryptionKey.CODE_AES ? new GCMParameterSpec(TAG_BYTES * 8, nonce) : new IvParameterSpec(nonce);
    }

    private static int varintSize(int v) {
        return v == 0 ? 1 : (31 - Integer.numberOfLeadingZeros(v)) / 7 + 1;
    }

    private static int putVarint(byte[] out, int p, int v) {
        while ((v & ~0x7F) != 0) {
            out[p++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out[p++] = (byte) v;
        return p;
    }
}
