package io.stanchion.store.chronicle;

import java.util.ArrayList;
import java.util.List;

/**
 * A map from {@code long} to objects without boxing the keys: open addressing with linear probing and backward-shift
 * deletion, so a lookup allocates nothing. Not thread-safe.
 */
final class LongObjectHashMap<V> {

    private static final int MIN_CAPACITY = 8;

    /** Keys; {@code 0} marks an empty slot, so the key 0 is kept in {@link #zeroValue}. */
    private long[] keys;
    private Object[] values;
    private int mask;
    private int shift;
    private int size;
    private V zeroValue;

    LongObjectHashMap() {
        allocate(MIN_CAPACITY);
    }

    private void allocate(int capacity) {
        keys = new long[capacity];
        values = new Object[capacity];
        mask = capacity - 1;
        shift = 64 - Integer.numberOfTrailingZeros(capacity);
    }

    private int slot(long key) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
    }

    int size() {
        return size;
    }

    @SuppressWarnings("unchecked")
    V get(long key) {
        if (key == 0) {
            return zeroValue;
        }
        long[] k = keys;
        for (int i = slot(key); ; i = (i + 1) & mask) {
            long x = k[i];
            if (x == key) {
                return (V) values[i];
            }
            if (x == 0) {
                return null;
            }
        }
    }

    /** Maps {@code key} to the non-null {@code value}; returns the previous value or null. */
    @SuppressWarnings("unchecked")
    V put(long key, V value) {
        if (value == null) {
            throw new NullPointerException("value");
        }
        if (key == 0) {
            V old = zeroValue;
            zeroValue = value;
            if (old == null) {
                size++;
            }
            return old;
        }
        long[] k = keys;
        int i = slot(key);
        for (; ; i = (i + 1) & mask) {
            long x = k[i];
            if (x == key) {
                V old = (V) values[i];
                values[i] = value;
                return old;
            }
            if (x == 0) {
                break;
            }
        }
        k[i] = key;
        values[i] = value;
        size++;
        if (size > (mask + 1) >> 1) {
            rehash((mask + 1) << 1);
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    V remove(long key) {
        if (key == 0) {
            V old = zeroValue;
            if (old != null) {
                zeroValue = null;
                size--;
            }
            return old;
        }
        long[] k = keys;
        Object[] v = values;
        int i = slot(key);
        for (; ; i = (i + 1) & mask) {
            long x = k[i];
            if (x == key) {
                break;
            }
            if (x == 0) {
                return null;
            }
        }
        V old = (V) v[i];
        int hole = i;
        for (int j = (hole + 1) & mask; ; j = (j + 1) & mask) {
            long x = k[j];
            if (x == 0) {
                break;
            }
            int home = slot(x);
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                k[hole] = x;
                v[hole] = v[j];
                hole = j;
            }
        }
        k[hole] = 0;
        v[hole] = null;
        size--;
        int capacity = mask + 1;
        if (capacity > MIN_CAPACITY && size < capacity >> 3) {
            rehash(Math.max(MIN_CAPACITY, Integer.highestOneBit(Math.max(1, size) * 4)));
        }
        return old;
    }

    private void rehash(int capacity) {
        long[] oldKeys = keys;
        Object[] oldValues = values;
        allocate(capacity);
        for (int n = 0; n < oldKeys.length; n++) {
            long x = oldKeys[n];
            if (x != 0) {
                int i = slot(x);
                while (keys[i] != 0) {
                    i = (i + 1) & mask;
                }
                keys[i] = x;
                values[i] = oldValues[n];
            }
        }
    }

    /** The keys in ascending order (a new array). */
    long[] sortedKeys() {
        long[] out = new long[size];
        int n = 0;
        if (zeroValue != null) {
            out[n++] = 0;
        }
        for (long k : keys) {
            if (k != 0) {
                out[n++] = k;
            }
        }
        java.util.Arrays.sort(out);
        return out;
    }

    /** The values, in no particular order (a new list). */
    @SuppressWarnings("unchecked")
    List<V> values() {
        List<V> out = new ArrayList<>(size);
        if (zeroValue != null) {
            out.add(zeroValue);
        }
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != 0) {
                out.add((V) values[i]);
            }
        }
        return out;
    }
}
