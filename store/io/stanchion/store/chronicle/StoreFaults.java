package io.stanchion.store.chronicle;

import io.stanchion.store.StoreException;

/**
 * Turns whatever a write path caught into the store fault contract's {@link StoreException}. Chronicle reaches its
 * files through memory mappings, so a full file system or a truncated file shows up as a SIGBUS, which the JVM
 * raises as {@code java.lang.InternalError} ("a fault occurred in ... unsafe memory access operation"), not as an
 * {@code IOException}: such errors are store faults and are wrapped too. Only the errors that say the JVM itself is
 * in trouble ({@link OutOfMemoryError}, {@link StackOverflowError}) pass through unchanged.
 */
final class StoreFaults {
    private StoreFaults() {
    }

    /**
     * {@code t} itself when it is a {@link StoreException}, else a {@link StoreException} "{@code context}: reason"
     * with {@code t} as its cause. Rethrows {@code t} when it is an error of the JVM (not of the store).
     */
    static StoreException wrap(String context, Throwable t) {
        if (t instanceof OutOfMemoryError || t instanceof StackOverflowError) {
            throw (Error) t;
        }
        if (t instanceof StoreException se) {
            return se;
        }
        return new StoreException(context + ": " + reason(t), t);
    }

    /** Whether {@code t} is a memory-mapped access fault (the file's pages could not be read or allocated). */
    static boolean isMappingFault(Throwable t) {
        return t instanceof InternalError;
    }

    /** One line: what went wrong, in words. */
    static String reason(Throwable t) {
        if (isMappingFault(t)) {
            return "memory-mapped file access failed (file system full, or a file truncated under the store): "
                    + FileOps.oneLine(t);
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : FileOps.oneLine(t);
    }
}
