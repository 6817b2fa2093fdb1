package io.stanchion.store;

/**
 * One stored message: its channel sequence, its timestamp (ns since the epoch) and the record bytes as appended.
 * The record array is owned by the caller once returned; stores hand out a fresh or immutable array.
 */
public record StoredMessage(long sequence, long timestampNanos, byte[] record) {
}
