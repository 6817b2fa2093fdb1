package io.stanchion.engine;

/**
 * Server-wide traffic counters, as the original's /serverz reports them. Written by the engine thread only (a
 * single writer, so plain increments of volatile fields are exact); read from any thread.
 */
public final class Counters {
    private volatile long inMsgs;
    private volatile long inBytes;
    private volatile long outMsgs;
    private volatile long outBytes;
    private volatile long redeliveries;

    void received(int bytes) {
        inMsgs = inMsgs + 1;
        inBytes = inBytes + bytes;
    }

    void delivered(int bytes) {
        outMsgs = outMsgs + 1;
        outBytes = outBytes + bytes;
    }

    void redelivered(int bytes) {
        delivered(bytes);
        redeliveries = redeliveries + 1;
    }

    public long inMsgs() {
        return inMsgs;
    }

    public long inBytes() {
        return inBytes;
    }

    public long outMsgs() {
        return outMsgs;
    }

    public long outBytes() {
        return outBytes;
    }

    public long redeliveries() {
        return redeliveries;
    }
}
