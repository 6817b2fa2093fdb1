package io.stanchion.store.chronicle;

import java.util.Arrays;

/**
 * A set of {@code long}s without boxing: open addressing with linear probing and backward-shift deletion (no
 * tombstones), so adds and removes allocate nothing except when the table is resized. Used for a subscription's
 * pending sequences. Not thread-safe.
 */
final class LongHashSet {

    private static final int MIN_CAPACITY = 8;

    /** Slots; {@code 0} marks an empty slot, so the value 0 itself is kept in {@link #hasZero}. */
    private long[] table;
    private int mask;
    private int shift;
    private int size;
    private boolean hasZero;

    LongHashSet() {
        allocate(MIN_CAPACITY);
    }

    private void allocate(int capacity) {
        table = new long[capacity];
        mask = capacity - 1;
        shift = 64 - Integer.numberOfTrailingZeros(capacity);
    }

    private int slot(long key) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    boolean contains(long key) {
        if (key == 0) {
            return hasZero;
        }
        long[] t = table;
        for (int i = slot(key); ; i = (i + 1) & mask) {
            long k = t[i];
            if (k == key) {
                return true;
            }
            if (k == 0) {
                return false;
            }
        }
    }

    /** @return true when the key was not there */
    boolean add(long key) {
        if (key == 0) {
            if (hasZero) {
                return false;
            }
            hasZero = true;
            size++;
            return true;
        }
        long[] t = table;
        int i = slot(key);
        for (; ; i = (i + 1) & mask) {
            long k = t[i];
            if (k == key) {
                return false;
            }
            if (k == 0) {
                break;
            }
        }
        t[i] = key;
        size++;
        // load factor 1/2 (the zero key does not occupy a slot; counting it only resizes a little early)
        if (size > (mask + 1) >> 1) {
            rehash((mask + 1) << 1);
        }
        return true;
    }

    /** @return true when the key was there */
    boolean remove(long key) {
        if (key == 0) {
            if (!hasZero) {
                return false;
            }
            hasZero = false;
            size--;
            return true;
        }
        long[] t = table;
        int i = slot(key);
        for (; ; i = (i + 1) & mask) {
            long k = t[i];
            if (k == key) {
                break;
            }
            if (k == 0) {
                return false;
            }
        }
        // Backward-shift: move every later member of the probe run whose home slot does not lie after the hole.
        int hole = i;
        for (int j = (hole + 1) & mask; ; j = (j + 1) & mask) {
            long k = t[j];
            if (k == 0) {
                break;
            }
            int home = slot(k);
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                t[hole] = k;
                hole = j;
            }
        }
        t[hole] = 0;
        size--;
        int capacity = mask + 1;
        if (capacity > MIN_CAPACITY && size < capacity >> 3) {
            rehash(Math.max(MIN_CAPACITY, Integer.highestOneBit(Math.max(1, size) * 4)));
        }
        return true;
    }

    private void rehash(int capacity) {
        long[] old = table;
        allocate(capacity);
        long[] t = table;
        for (long k : old) {
            if (k != 0) {
                int i = slot(k);
                while (t[i] != 0) {
                    i = (i + 1) & mask;
                }
                t[i] = k;
            }
        }
    }

    /** The members in ascending order (a new array). */
    long[] toSortedArray() {
        long[] out = new long[size];
        int n = 0;
        if (hasZero) {
            out[n++] = 0;
        }
        for (long k : table) {
            if (k != 0) {
                out[n++] = k;
            }
        }
        Arrays.sort(out);
        return out;
    }
}
