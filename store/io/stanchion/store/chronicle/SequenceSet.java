package io.stanchion.store.chronicle;

/**
 * The pending sequences of one subscription. Pending sets are sliding windows: sequences are added at the top as
 * they are sent and removed near the bottom as they are acked. So the set is a bitmap over the words from the lowest
 * to the highest member (a ring of {@code long}s: adding at the top and trimming at the bottom move no data), which
 * touches memory sequentially and costs a bit per sequence of the span. When the span grows much larger than the
 * set (a message that is never acked while thousands of later ones come and go), it would waste memory: the set
 * then switches to a {@link LongObjectHashMap} (keys only) until it is empty again. Nothing is allocated except when
 * the ring grows or shrinks. Not thread-safe.
 */
final class SequenceSet {
    private static final int MIN_WORDS = 4;
    /** Spans up to this many words (1,048,576 sequences, 128 KiB) always stay a bitmap. */
    private static final long DENSE_SPAN_WORDS = 1 << 14;

    /** The ring; its length is a power of two. */
    private long[] words = new long[MIN_WORDS];
    /** Ring index of the lowest word in use. */
    private int start;
    /** {@code sequence >>> 6} of the lowest word in use. */
    private long base;
    /** Words in use, from {@link #start}: the span. */
    private int used;
    private int size;
    /** Non-null while the set is sparse; then it holds every member and the ring is unused. */
    private LongObjectHashMap<Boolean> sparse;

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** @return true when the sequence was not there */
    boolean add(long seq) {
        if (sparse == null && seq >= 0 && fitsDense(seq)) {
            return addDense(seq);
        }
        toSparse();
        if (sparse.put(seq, Boolean.TRUE) == null) {
            size++;
            return true;
        }
        return false;
    }

    /** @return true when the sequence was there */
    boolean remove(long seq) {
        if (sparse != null) {
            if (sparse.remove(seq) == null) {
                return false;
            }
            if (--size == 0) {
                sparse = null;
                used = 0;
            }
            return true;
        }
        if (seq < 0 || used == 0) {
            return false;
        }
        long w = seq >>> 6;
        if (w < base || w >= base + used) {
            return false;
        }
        int mask = words.length - 1;
        int i = (start + (int) (w - base)) & mask;
        long bit = 1L << seq;
        if ((words[i] & bit) == 0) {
            return false;
        }
        words[i] &= ~bit;
        size--;
        if (words[i] == 0) {
            trim();
        }
        return true;
    }

    boolean contains(long seq) {
        if (sparse != null) {
            return sparse.get(seq) != null;
        }
        if (seq < 0 || used == 0) {
            return false;
        }
        long w = seq >>> 6;
        if (w < base || w >= base + used) {
            return false;
        }
        return (words[(start + (int) (w - base)) & (words.length - 1)] & (1L << seq)) != 0;
    }

    /** The members in ascending order (a new array). */
    long[] toSortedArray() {
        if (sparse != null) {
            return sparse.sortedKeys();
        }
        long[] out = new long[size];
        int n = 0;
        int mask = words.length - 1;
        for (int k = 0; k < used; k++) {
            long bits = words[(start + k) & mask];
            long wordBase = (base + k) << 6;
            while (bits != 0) {
                out[n++] = wordBase + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
            }
        }
        return out;
    }

    /** Whether the span with {@code seq} stays dense enough for the bitmap. */
    private boolean fitsDense(long seq) {
        if (used == 0) {
            return true;
        }
        long w = seq >>> 6;
        long span = Math.max(base + used, w + 1) - Math.min(base, w);
        return span <= DENSE_SPAN_WORDS || span <= 2L * (size + 1);
    }

    private boolean addDense(long seq) {
        long w = seq >>> 6;
        if (used == 0) {
            if (words.length > 64) {
                words = new long[MIN_WORDS];
            }
            start = 0;
            base = w;
            used = 1;
            words[0] = 0;
        } else if (w < base) {
            int extra = (int) (base - w);
            ensureCapacity(used + extra);
            int mask = words.length - 1;
            start = (start - extra) & mask;
            for (int k = 0; k < extra; k++) {
                words[(start + k) & mask] = 0;
            }
            used += extra;
            base = w;
        } else if (w >= base + used) {
            int newUsed = (int) (w - base + 1);
            ensureCapacity(newUsed);
            int mask = words.length - 1;
            for (int k = used; k < newUsed; k++) {
                words[(start + k) & mask] = 0;
            }
            used = newUsed;
        }
        int i = (start + (int) (w - base)) & (words.length - 1);
        long bit = 1L << seq;
        if ((words[i] & bit) != 0) {
            return false;
        }
        words[i] |= bit;
        size++;
        return true;
    }

    /** Drops empty words at both ends; shrinks the ring when it is mostly unused. */
    private void trim() {
        int mask = words.length - 1;
        while (used > 0 && words[start] == 0) {
            start = (start + 1) & mask;
            base++;
            used--;
        }
        while (used > 0 && words[(start + used - 1) & mask] == 0) {
            used--;
        }
        if (words.length > 64 && used < words.length >> 3) {
            resize(Math.max(MIN_WORDS, Integer.highestOneBit(Math.max(1, used)) << 2));
        }
    }

    private void ensureCapacity(int wordsNeeded) {
        if (wordsNeeded > words.length) {
            resize(Integer.highestOneBit(wordsNeeded - 1) << 1);
        }
    }

    /** Copies the words in use into a new ring of {@code capacity} words, starting at index 0. */
    private void resize(int capacity) {
        long[] next = new long[capacity];
        int mask = words.length - 1;
        for (int k = 0; k < used; k++) {
            next[k] = words[(start + k) & mask];
        }
        words = next;
        start = 0;
    }

    private void toSparse() {
        if (sparse != null) {
            return;
        }
        LongObjectHashMap<Boolean> s = new LongObjectHashMap<>();
        for (long seq : toSortedArray()) {
            s.put(seq, Boolean.TRUE);
        }
        sparse = s;
        words = new long[MIN_WORDS];
        start = 0;
        used = 0;
    }
}
