package io.stanchion.store.chronicle;

import io.stanchion.store.ChannelLog;

/** Test-only window on package-private state of the Chronicle store. */
public final class ChronicleTestAccess {

    private ChronicleTestAccess() {
    }

    /** Excerpts the log has read so far (reads, timestamp probes, recovery). */
    public static long excerptReads(ChannelLog log) {
        return ((ChronicleChannelLog) log).excerptReads();
    }

    /** Number of non-empty cycles in the log's sequence map. */
    public static int cycleCount(ChannelLog log) {
        return ((ChronicleChannelLog) log).cycleCount();
    }

    /** Tailers the log has open (bounded). */
    public static int tailerCount(ChannelLog log) {
        return ((ChronicleChannelLog) log).tailerCount();
    }

    /** Cycle files the log deleted for retention. */
    public static long cycleFilesDeleted(ChannelLog log) {
        return ((ChronicleChannelLog) log).cycleFilesDeleted;
    }

    /** The first and last cycle of the log's queue, as Chronicle's directory listing reports them. */
    public static int[] queueCycles(ChannelLog log) {
        ChronicleChannelLog l = (ChronicleChannelLog) log;
        return new int[]{l.queue().firstCycle(), l.queue().lastCycle()};
    }

    /** The log's channel directory. */
    public static java.nio.file.Path directory(ChannelLog log) {
        return ((ChronicleChannelLog) log).directory();
    }

    /** The cycle file holding a stored sequence. */
    public static java.nio.file.Path cycleFile(ChannelLog log, long sequence) {
        return ((ChronicleChannelLog) log).cycleFileOf(sequence).toPath();
    }

    /** File offset (in {@link #cycleFile}) of the first record byte of a stored sequence. */
    public static long recordOffset(ChannelLog log, long sequence) {
        return ((ChronicleChannelLog) log).payloadOffset(sequence) + MessageExcerptFormat.HEADER_SIZE;
    }

    /** The excerpt payload the first store version wrote: header and record, no CRC. */
    public static byte[] legacyExcerpt(long sequence, long timestamp, long cumulative, byte[] record) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(MessageExcerptFormat.HEADER_SIZE + record.length)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(sequence).putLong(timestamp).putLong(cumulative).putInt(record.length).put(record);
        return b.array();
    }

    public static String firstSequenceFileName() {
        return FirstSequenceFile.NAME;
    }

    public static int maxTailers() {
        return ExcerptReader.MAX_TAILERS;
    }

    public static String directoryName(String channel) {
        return ChronicleMessageStore.directoryName(channel);
    }

    public static String channelName(String directoryName) {
        return ChronicleMessageStore.channelName(directoryName);
    }
}
