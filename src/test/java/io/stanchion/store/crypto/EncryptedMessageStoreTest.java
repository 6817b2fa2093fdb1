package io.stanchion.store.crypto;

import com.google.protobuf.ByteString;
import io.stanchion.codec.MsgRecord;
import io.stanchion.protocol.pb.MsgProto;
import io.stanchion.store.ChannelLog;
import io.stanchion.store.MessageStore;
import io.stanchion.store.ForwardingChannelLog;
import io.stanchion.store.StoreException;
import io.stanchion.store.StoreFullException;
import io.stanchion.store.memory.MemoryMessageStore;
import org.junit.jupiter.api.Test;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Encryption at rest over the memory store: payloads sealed with the original's key derivation and record layout
 * (checked by decrypting a stored record independently with the JDK), records of either cipher and unencrypted
 * ones readable together, a wrong key and a missing key refused with clear errors.
 */
class EncryptedMessageStoreTest {
    private static final String SECRET = "correct horse battery staple";

    private static EncryptionKey key(String cipher, String secret) {
        return EncryptionKey.of(cipher, secret.getBytes(StandardCharsets.UTF_8), null);
    }

    private static byte[] record(long seq, String channel, String payload) {
        return MsgRecord.encode(seq, channel, "", ByteString.copyFromUtf8(payload), 1_000L + seq);
    }

    private static MsgProto parse(byte[] record) throws Exception {
        return MsgProto.parseFrom(record);
    }

    @Test
    void payloadsAreSealedOnDiskAndReadBackAsWritten() throws Exception {
        for (String cipher : new String[] {"AES", "CHACHA"}) {
            MemoryMessageStore raw = new MemoryMessageStore();
            MessageStore store = new EncryptedMessageStore(raw, key(cipher, SECRET));
            ChannelLog log = store.channel("orders");
            byte[] written = record(1, "orders", "the secret payload");
            log.append(1_001L, written);

            byte[] stored = raw.existing("orders").read(1).record();
            assertThat(new String(stored, StandardCharsets.ISO_8859_1)).as(cipher).doesNotContain("secret payload");
            MsgProto onDisk = parse(stored);
            assertThat(onDisk.getData().isEmpty()).as("no clear payload field").isTrue();
            assertThat(onDisk.getSequence()).isEqualTo(1);
            assertThat(onDisk.getSubject()).isEqualTo("orders");
            assertThat(onDisk.getTimestamp()).isEqualTo(1_001L);
            assertThat(RecordSealer.isSealed(stored)).isTrue();

            assertThat(log.read(1).record()).as(cipher).isEqualTo(written);
            assertThat(log.read(1).record()).as(cipher + ", read again (a redelivery)").isEqualTo(written);
            assertThat(log.read(1).timestampNanos()).isEqualTo(1_001L);
        }
    }

    /** The stored layout and keys as the original defines them, checked with the JDK's ciphers directly. */
    @Test
    void storedPayloadIsCipherCodeNonceAndCiphertextUnderTheDerivedChannelKey() throws Exception {
        MemoryMessageStore raw = new MemoryMessageStore();
        for (String cipher : new String[] {"AES", "CHACHA"}) {
            String channel = "derive." + cipher;
            new EncryptedMessageStore(raw, key(cipher, SECRET)).channel(channel)
                    .append(5L, record(1, channel, "known answer"));
            byte[] stored = raw.existing(channel).read(1).record();
            byte[] sealed = sealedField(stored);
            assertThat(sealed[0]).as("cipher code").isEqualTo((byte) ("AES".equals(cipher) ? 1 : 2));
            assertThat(sealed).hasSize(1 + 12 + "known answer".length() + 16);

            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] master = sha.digest(SECRET.getBytes(StandardCharsets.UTF_8));
            sha.update(master);
            sha.update((byte) '.');
            byte[] channelKey = sha.digest(channel.getBytes(StandardCharsets.UTF_8));
            byte[] nonce = Arrays.copyOfRange(sealed, 1, 13);
            Cipher c;
            if ("AES".equals(cipher)) {
                c = Cipher.getInstance("AES/GCM/NoPadding");
                c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(channelKey, "AES"), new GCMParameterSpec(128, nonce));
            } else {
                c = Cipher.getInstance("ChaCha20-Poly1305");
                c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(channelKey, "ChaCha20"), new IvParameterSpec(nonce));
            }
            c.updateAAD(new byte[] {0, 0, 0, 0, 0, 0, 0, 1}); // the sequence, big-endian
            byte[] plain = c.doFinal(sealed, 13, sealed.length - 13);
            assertThat(new String(plain, StandardCharsets.UTF_8)).isEqualTo("known answer");
        }
    }

    private static byte[] sealedField(byte[] stored) {
        FieldSpan f = FieldSpan.find(stored, RecordSealer.SEALED_FIELD);
        assertThat(f).as("sealed field").isNotNull();
        return Arrays.copyOfRange(stored, f.valueStart, f.valueEnd);
    }

    @Test
    void unencryptedAesAndChachaRecordsOfOneChannelAreAllReadable() {
        MemoryMessageStore raw = new MemoryMessageStore();
        raw.channel("mixed").append(1L, record(1, "mixed", "plain one"));
        new EncryptedMessageStore(raw, key("AES", SECRET)).channel("mixed").append(2L, record(2, "mixed", "aes two"));
        new EncryptedMessageStore(raw, key("chacha", SECRET)).channel("mixed")
                .append(3L, record(3, "mixed", "chacha three"));

        ChannelLog log = new EncryptedMessageStore(raw, key("AES", SECRET)).existing("mixed");
        assertThat(log.read(1).record()).isEqualTo(record(1, "mixed", "plain one"));
        assertThat(log.read(2).record()).isEqualTo(record(2, "mixed", "aes two"));
        assertThat(log.read(3).record()).isEqualTo(record(3, "mixed", "chacha three"));
        assertThat(sealedField(raw.existing("mixed").read(2).record())[0]).isEqualTo((byte) 1);
        assertThat(sealedField(raw.existing("mixed").read(3).record())[0]).isEqualTo((byte) 2);
    }

    @Test
    void emptyPayloadsRepliesAndUnicodeSubjectsSurviveTheRoundTrip() {
        MemoryMessageStore raw = new MemoryMessageStore();
        ChannelLog log = new EncryptedMessageStore(raw, key("AES", SECRET)).channel("é.ch");
        byte[] empty = MsgRecord.encode(1, "é.ch", "", ByteString.EMPTY, 7);
        byte[] withReply = MsgRecord.encode(2, "é.ch", "_INBOX.x", ByteString.copyFrom(new byte[300_000]), 8);
        log.append(7L, empty);
        log.append(8L, withReply);
        assertThat(raw.existing("é.ch").read(1).record()).as("an empty payload is not sealed").isEqualTo(empty);
        assertThat(log.read(1).record()).isEqualTo(empty);
        assertThat(log.read(2).record()).isEqualTo(withReply);
        assertThat(raw.existing("é.ch").byteCount()).as("limits count the stored (sealed) size")
                .isEqualTo(empty.length + withReply.length + 29L); // the length varint keeps its width
    }

    @Test
    void noncesDifferAcrossRecordsReopenedLogsAndRecreatedChannels() {
        MemoryMessageStore raw = new MemoryMessageStore();
        for (int open = 0; open < 3; open++) { // the store reopened: a fresh nonce base each time
            ChannelLog log = new EncryptedMessageStore(raw, key("AES", SECRET)).channel("n");
            for (int i = 0; i < 50; i++) {
                long seq = log.lastSequence() + 1;
                log.append(seq, record(seq, "n", "same payload"));
            }
        }
        Set<String> nonces = new HashSet<>();
        for (long s = 1; s <= 150; s++) {
            nonces.add(Arrays.toString(Arrays.copyOfRange(sealedField(raw.existing("n").read(s).record()), 1, 13)));
        }
        EncryptedMessageStore store = new EncryptedMessageStore(raw, key("AES", SECRET));
        store.delete("n"); // recreated: sequence 1 again under the same channel key
        store.channel("n").append(1L, record(1, "n", "same payload"));
        nonces.add(Arrays.toString(Arrays.copyOfRange(sealedField(raw.existing("n").read(1).record()), 1, 13)));
        assertThat(nonces).hasSize(151);
    }

    @Test
    void aWrongKeyIsRefusedWhenTheStoreIsOpenedAndNamesTheChannel() {
        MemoryMessageStore raw = new MemoryMessageStore();
        new EncryptedMessageStore(raw, key("AES", SECRET)).channel("vault").append(1L, record(1, "vault", "x"));
        assertThatThrownBy(() -> new EncryptedMessageStore(raw, key("AES", "another key")))
                .isInstanceOf(StoreException.class)
                .hasMessage("cannot decrypt message 1 of channel \"vault\": wrong encryption key (the message was "
                        + "encrypted with another key, or altered)");
    }

    @Test
    void aStoreWithEncryptedMessagesIsRefusedWithoutAKey() {
        MemoryMessageStore raw = new MemoryMessageStore();
        raw.channel("open").append(1L, record(1, "open", "clear"));
        EncryptedMessageStore.refuseEncryptedWithoutKey(raw); // nothing encrypted: fine
        new EncryptedMessageStore(raw, key("AES", SECRET)).channel("vault").append(1L, record(1, "vault", "x"));
        assertThatThrownBy(() -> EncryptedMessageStore.refuseEncryptedWithoutKey(raw))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("channel \"vault\" holds encrypted messages (message 1): start the server with "
                        + "-encrypt");
    }

    @Test
    void keyAndCipherErrorsAreTheOriginals() {
        assertThatThrownBy(() -> EncryptionKey.of("AES", null, null)).hasMessage("encryption key required");
        assertThatThrownBy(() -> EncryptionKey.of("AES", new byte[0], "")).hasMessage("encryption key required");
        assertThatThrownBy(() -> EncryptionKey.of("DES", "k".getBytes(StandardCharsets.UTF_8), null))
                .hasMessageStartingWith("encryption cipher not supported");
    }

    @Test
    void theEnvironmentKeyWinsAndTheConfiguredKeyIsWipedOnceHashed() {
        byte[] configured = "configured".getBytes(StandardCharsets.UTF_8);
        EncryptionKey fromEnv = EncryptionKey.of("AES", configured, SECRET);
        assertThat(new String(configured, StandardCharsets.UTF_8)).isEqualTo("xxxxxxxxxx");
        MemoryMessageStore raw = new MemoryMessageStore();
        new EncryptedMessageStore(raw, fromEnv).channel("c").append(1L, record(1, "c", "by env"));
        assertThat(new EncryptedMessageStore(raw, key("AES", SECRET)).existing("c").read(1).record())
                .isEqualTo(record(1, "c", "by env"));
        assertThatThrownBy(() -> new EncryptedMessageStore(raw, key("AES", "configured")))
                .isInstanceOf(StoreException.class);
        assertThat(fromEnv.toString()).doesNotContain(SECRET);
    }

    /** A publish refused for lack of space leaves the sequence where it was: the next seal needs a fresh nonce. */
    @Test
    void anAppendRefusedForSpaceIsFollowedByAWorkingOne() {
        for (String cipher : new String[] {"AES", "CHACHA"}) {
            MemoryMessageStore raw = new MemoryMessageStore();
            boolean[] refuseNext = {false};
            ChannelLog refusing = new ForwardingChannelLog(raw.channel("full")) {
                @Override
                public long append(long timestampNanos, byte[] record) {
                    if (refuseNext[0]) {
                        refuseNext[0] = false;
                        throw new StoreFullException();
                    }
                    return super.append(timestampNanos, record);
                }
            };
            ChannelLog log = new EncryptedChannelLog(refusing, new RecordSealer(key(cipher, SECRET), "full"));
            log.append(1L, record(1, "full", "one"));
            refuseNext[0] = true;
            assertThatThrownBy(() -> log.append(2L, record(2, "full", "two"))).isInstanceOf(StoreFullException.class);
            assertThat(log.append(2L, record(2, "full", "two again"))).as(cipher).isEqualTo(2);
            assertThat(log.read(2).record()).isEqualTo(record(2, "full", "two again"));
        }
    }

    @Test
    void aSealedPayloadMovedToAnotherRecordDoesNotOpen() throws Exception {
        MemoryMessageStore raw = new MemoryMessageStore();
        ChannelLog log = new EncryptedMessageStore(raw, key("AES", SECRET)).channel("swap");
        log.append(1L, record(1, "swap", "first!"));
        log.append(2L, record(2, "swap", "second"));
        byte[] sealedOne = raw.existing("swap").read(1).record();
        // record 2 as stored, its sealed payload replaced by record 1's (same sizes: same-length payloads)
        byte[] forged = raw.existing("swap").read(2).record().clone();
        FieldSpan from = FieldSpan.find(sealedOne, RecordSealer.SEALED_FIELD);
        FieldSpan to = FieldSpan.find(forged, RecordSealer.SEALED_FIELD);
        assertThat(from.valueLength()).isEqualTo(to.valueLength());
        System.arraycopy(sealedOne, from.valueStart, forged, to.valueStart, from.valueLength());
        RecordSealer sealer = new RecordSealer(key("AES", SECRET), "swap");
        assertThat(sealer.open(1, sealedOne)).isEqualTo(record(1, "swap", "first!"));
        assertThatThrownBy(() -> sealer.open(2, forged)).isInstanceOf(javax.crypto.AEADBadTagException.class);
    }

    /** Unencrypted first message, encrypted ones, then an empty payload (never sealed) last: still checked. */
    @Test
    void theStartupChecksLookPastUnsealedEnds() {
        MemoryMessageStore raw = new MemoryMessageStore();
        raw.channel("late").append(1L, record(1, "late", "written before -encrypt"));
        ChannelLog log = new EncryptedMessageStore(raw, key("AES", SECRET)).channel("late");
        log.append(2L, record(2, "late", "sealed"));
        log.append(3L, MsgRecord.encode(3, "late", "", ByteString.EMPTY, 3));
        assertThatThrownBy(() -> new EncryptedMessageStore(raw, key("AES", "another key")))
                .isInstanceOf(StoreException.class).hasMessageStartingWith("cannot decrypt message 2 of channel");
        assertThatThrownBy(() -> EncryptedMessageStore.refuseEncryptedWithoutKey(raw))
                .isInstanceOf(StoreException.class).hasMessageContaining("holds encrypted messages (message 2)");
        new EncryptedMessageStore(raw, key("CHACHA", SECRET)); // the right key (any cipher): fine
    }
}
