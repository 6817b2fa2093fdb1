package io.stanchion.store;

import io.stanchion.store.chronicle.ChronicleMessageStore;

import java.nio.file.Path;

/**
 * Child process for {@code ChronicleMessageStoreTest}: appends to channel {@code crash} of the store in
 * {@code args[0]} forever (it is killed with SIGKILL), printing its progress every 1000 messages. Message i has
 * timestamp i and record {@link #record(long)}.
 */
public final class CrashWriter {

    private CrashWriter() {
    }

    static byte[] record(long seq) {
        byte[] r = new byte[(int) (seq % 200)];
        for (int k = 0; k < r.length; k++) {
            r[k] = (byte) (seq * 31 + k);
        }
        return r;
    }

    public static void main(String[] args) {
        ChronicleMessageStore store = new ChronicleMessageStore(Path.of(args[0]));
        ChannelLog log = store.channel("crash");
        for (long i = log.lastSequence() + 1; ; i++) {
            if (log.append(i, record(i)) != i) {
                throw new IllegalStateException("sequence " + i);
            }
            if (i % 1000 == 0) {
                System.out.println("appended " + i);
                System.out.flush();
            }
        }
    }
}
