package io.stanchion.store;

/**
 * A write was refused <em>before anything was written</em> because the file system lacks space for it. The log or
 * journal is unchanged and stays usable: the caller answers the request with an error (a publish gets
 * {@link #NO_SPACE} in its PubAck) and goes on; the same write may succeed once space is freed.
 *
 * <p>Unlike a plain {@link StoreException} (store state unknown: the server stops), this one is not a store fault.
 */
public class StoreFullException extends StoreException {

    /** The message of every refusal: the text the Go server's errno gives, which publishers see in their PubAck. */
    public static final String NO_SPACE = "no space left on device";

    public StoreFullException() {
        super(NO_SPACE);
    }
}
