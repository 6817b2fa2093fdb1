package io.stanchion.store;

/**
 * A store could not do what was asked: an I/O failure, a failed fsync, a corrupt file, an unusable directory, a fault
 * in memory-mapped access. Thrown by a write path (append, flush, retention, journal records, channel create or
 * delete) it means <b>store state unknown</b>: the caller must stop using the store (the server stops: fail-stop).
 * The one exception that is not a fault is the subclass {@link StoreFullException} (refused for lack of space,
 * nothing written).
 */
public class StoreException extends RuntimeException {
    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
