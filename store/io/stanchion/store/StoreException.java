package io.stanchion.store;

/** A store could not do what was asked: an I/O failure, a corrupt file, an unusable directory. */
public class StoreException extends RuntimeException {
    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
