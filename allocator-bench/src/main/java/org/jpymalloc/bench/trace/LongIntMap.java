package org.jpymalloc.bench.trace;

import java.util.Arrays;

/**
 * Addresses to slots while a trace is decoded: open addressing with linear probing over primitive
 * arrays (no boxing, millions of events), backward-shift deletion so that no tombstones build up.
 * Address 0 is never stored (NULL is not a block).
 */
final class LongIntMap {

    static final int MISSING = -1;

    private long[] keys;
    private int[] values;
    private int size;
    private int mask;

    LongIntMap() {
        keys = new long[1 << 12];
        values = new int[keys.length];
        mask = keys.length - 1;
    }

    int size() {
        return size;
    }

    int get(long key) {
        for (int i = index(key); ; i = (i + 1) & mask) {
            if (keys[i] == key) {
                return values[i];
            }
            if (keys[i] == 0) {
                return MISSING;
            }
        }
    }

    /** Maps a key that is not present. */
    void putNew(long key, int value) {
        if (key == 0) {
            throw new IllegalArgumentException("address 0 is not a block");
        }
        if (2 * (size + 1) > keys.length) {
            grow();
        }
        int i = index(key);
        while (keys[i] != 0) {
            i = (i + 1) & mask;
        }
        keys[i] = key;
        values[i] = value;
        size++;
    }

    /** Removes a key; answers its value or {@link #MISSING}. */
    int remove(long key) {
        int i = index(key);
        while (keys[i] != key) {
            if (keys[i] == 0) {
                return MISSING;
            }
            i = (i + 1) & mask;
        }
        int value = values[i];
        size--;
        // Backward shift: move later entries of the probe run into the hole when their home allows it.
        int hole = i;
        for (int j = (hole + 1) & mask; keys[j] != 0; j = (j + 1) & mask) {
            int home = index(keys[j]);
            boolean movable = hole <= j ? home <= hole || home > j : home <= hole && home > j;
            if (movable) {
                keys[hole] = keys[j];
                values[hole] = values[j];
                hole = j;
            }
        }
        keys[hole] = 0;
        return value;
    }

    private int index(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 32) & mask;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new int[keys.length];
        mask = keys.length - 1;
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != 0) {
                putNew(oldKeys[i], oldValues[i]);
            }
        }
    }

    @Override
    public String toString() {
        return "LongIntMap[size=" + size + ", capacity=" + keys.length + "]";
    }

    long[] keysForTest() {
        return Arrays.stream(keys).filter(k -> k != 0).toArray();
    }
}
