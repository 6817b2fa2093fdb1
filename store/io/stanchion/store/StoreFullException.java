package io.stanchion.store;

/**
 * A write refused before anything was written because the file system lacks space: the log or journal is unchanged
 * and still usable. The server answers the request with this message as its error and goes on.
 */
public class StoreFullException extends StoreException {
    public StoreFullException(String message) {
        super(message);
    }

    public StoreFullException(String message, Throwable cause) {
        super(message, cause);
    }
}
