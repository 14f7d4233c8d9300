package org.jpymalloc;

import java.util.ArrayList;
import java.util.List;

/**
 * A map from non-zero addresses to values, for the system path's live blocks: open addressing with
 * linear probing in two parallel arrays, so that a lookup boxes no key and follows no node (a
 * {@code HashMap<Long, V>} spent most of a system-path pair hashing and boxing its keys). Removal shifts
 * the following entries back, so no tombstones accumulate. Not thread-safe.
 */
final class AddressMap<V> {

    private static final int MIN_CAPACITY = 16;
    /** The golden-ratio multiplier: spreads addresses, whose low bits are alignment zeros. */
    private static final long SPREAD = 0x9E3779B97F4A7C15L;

    private long[] keys;
    private Object[] values;
    private int size;
    private int mask;

    AddressMap() {
        allocate(MIN_CAPACITY);
    }

    int size() {
        return size;
    }

    /** The value at {@code address}, or null. */
    @SuppressWarnings("unchecked")
    V get(long address) {
        for (int i = slot(address); ; i = (i + 1) & mask) {
            long key = keys[i];
            if (key == address) {
                return (V) values[i];
            }
            if (key == 0) {
                return null;
            }
        }
    }

    /**
     * Maps {@code address} to {@code value}, replacing any value it had.
     *
     * @throws IllegalArgumentException if {@code address} is 0
     */
    void put(long address, V value) {
        if (address == 0) {
            throw new IllegalArgumentException("address 0 cannot be a key");
        }
        int i = slot(address);
        while (keys[i] != 0 && keys[i] != address) {
            i = (i + 1) & mask;
        }
        if (keys[i] == 0) {
            keys[i] = address;
            if (++size > (mask + 1) / 4 * 3) {
                values[i] = value;
                resize((mask + 1) * 2);
                return;
            }
        }
        values[i] = value;
    }

    /** Removes {@code address}; answers its value, or null if it had none. */
    @SuppressWarnings("unchecked")
    V remove(long address) {
        if (address == 0) {
            return null;
        }
        int i = slot(address);
        while (keys[i] != address) {
            if (keys[i] == 0) {
                return null;
            }
            i = (i + 1) & mask;
        }
        V removed = (V) values[i];
        shiftBack(i);
        size--;
        return removed;
    }

    /** Every value, in no particular order: a copy, so the map may change while the caller walks it. */
    @SuppressWarnings("unchecked")
    List<V> values() {
        List<V> all = new ArrayList<>(size);
        for (int i = 0; i <= mask; i++) {
            if (keys[i] != 0) {
                all.add((V) values[i]);
            }
        }
        return all;
    }

    /** Empties slot {@code hole} and moves back the entries after it that probed past it. */
    private void shiftBack(int hole) {
        for (int i = (hole + 1) & mask; keys[i] != 0; i = (i + 1) & mask) {
            int home = slot(keys[i]);
            // The entry at i may fill the hole if its home is not cyclically within (hole, i].
            if (((i - home) & mask) >= ((i - hole) & mask)) {
                keys[hole] = keys[i];
                values[hole] = values[i];
                hole = i;
            }
        }
        keys[hole] = 0;
        values[hole] = null;
    }

    private int slot(long address) {
        return (int) ((address * SPREAD) >>> 32) & mask;
    }

    private void resize(int capacity) {
        long[] oldKeys = keys;
        Object[] oldValues = values;
        allocate(capacity);
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != 0) {
                int j = slot(oldKeys[i]);
                while (keys[j] != 0) {
                    j = (j + 1) & mask;
                }
                keys[j] = oldKeys[i];
                values[j] = oldValues[i];
            }
        }
    }

    private void allocate(int capacity) {
        keys = new long[capacity];
        values = new Object[capacity];
        mask = capacity - 1;
    }
}
