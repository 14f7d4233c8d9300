package org.jpymalloc;

import java.util.Arrays;

/**
 * Which arena, if any, owns an address: O(1), and without reading memory the allocator may not own
 * (CPython 3.10's {@code arena_map} radix tree plays this part; before 3.10 {@code address_in_range}
 * read a would-be pool header at any address).
 *
 * <p>The address space is cut into chunks of {@code arenaSize} bytes. An arena from {@code mmap} is only
 * page-aligned, so it overlaps at most two chunks: the high part of the chunk where it starts and the low
 * part of the next one. Each chunk's entry therefore names at most two arenas, a <em>low</em> one that
 * ends in the chunk and a <em>high</em> one that starts in it, and a lookup checks both bounds. Entries
 * live in an open-addressing table keyed by chunk number (linear probing, backward-shift deletion, load
 * at most 1/2), so a lookup costs a multiply, one or two probes and two range checks.
 *
 * <p>Threads: lookups take no lock. The table is copy-on-write: {@link #add} and {@link #remove}
 * (serialised, and rare: they come with an {@code mmap} or {@code munmap}) build a new table and publish
 * it through a volatile field, so a reader always probes one consistent, immutable table. One map serves
 * all heaps of a shared allocator.
 */
final class ArenaMap {

    private static final long EMPTY = -1L; // no chunk number is -1: addresses are below 2^63
    private static final int MIN_CAPACITY = 16;

    /** An immutable open-addressing table: chunk numbers and the low/high arena of each. */
    private record Table(long[] chunks, MappedArena[] low, MappedArena[] high, int size) {

        static Table empty(int capacity) {
            long[] chunks = new long[capacity];
            Arrays.fill(chunks, EMPTY);
            return new Table(chunks, new MappedArena[capacity], new MappedArena[capacity], 0);
        }

        int mask() {
            return chunks.length - 1;
        }

        int find(long chunk) {
            int mask = mask();
            for (int i = slot(chunk, mask); ; i = (i + 1) & mask) {
                if (chunks[i] == chunk) {
                    return i;
                }
                if (chunks[i] == EMPTY) {
                    return -1;
                }
            }
        }
    }

    private final int chunkShift;
    private volatile Table table = Table.empty(MIN_CAPACITY);

    ArenaMap(Geometry geometry) {
        this.chunkShift = Long.numberOfTrailingZeros(geometry.arenaSize());
    }

    /** The arena whose range holds {@code address}, or null. Lock-free. */
    MappedArena lookup(long address) {
        Table t = table;
        long chunk = address >>> chunkShift;
        long[] chunks = t.chunks;
        int mask = chunks.length - 1;
        for (int i = slot(chunk, mask); ; i = (i + 1) & mask) {
            long key = chunks[i];
            if (key == chunk) {
                MappedArena h = t.high[i];
                if (h != null && h.contains(address)) {
                    return h;
                }
                MappedArena l = t.low[i];
                return l != null && l.contains(address) ? l : null;
            }
            if (key == EMPTY) {
                return null;
            }
        }
    }

    synchronized void add(MappedArena arena) {
        long first = arena.base >>> chunkShift;
        long last = (arena.base + arena.byteSize - 1) >>> chunkShift;
        Table t = copy(table, table.size + 2);
        t = put(t, first, arena, true);
        if (last != first) {
            t = put(t, last, arena, false);
        }
        table = t;
    }

    synchronized void remove(MappedArena arena) {
        long first = arena.base >>> chunkShift;
        long last = (arena.base + arena.byteSize - 1) >>> chunkShift;
        Table t = copy(table, table.size);
        t = clear(t, first, arena);
        if (last != first) {
            t = clear(t, last, arena);
        }
        table = t;
    }

    /** Number of chunks with an entry; for tests. */
    int chunkCount() {
        return table.size;
    }

    /** A private copy of {@code t}, rehashed into a larger table if {@code entries} would pass load 1/2. */
    private static Table copy(Table t, int entries) {
        int capacity = t.chunks.length;
        while (2 * entries > capacity) {
            capacity *= 2;
        }
        if (capacity == t.chunks.length) {
            return new Table(t.chunks.clone(), t.low.clone(), t.high.clone(), t.size);
        }
        Table bigger = Table.empty(capacity);
        int size = 0;
        for (int j = 0; j < t.chunks.length; j++) {
            if (t.chunks[j] != EMPTY) {
                int i = freeSlot(bigger, t.chunks[j]);
                bigger.chunks[i] = t.chunks[j];
                bigger.low[i] = t.low[j];
                bigger.high[i] = t.high[j];
                size++;
            }
        }
        return new Table(bigger.chunks, bigger.low, bigger.high, size);
    }

    private static Table put(Table t, long chunk, MappedArena arena, boolean high) {
        int i = t.find(chunk);
        int size = t.size;
        if (i < 0) {
            i = freeSlot(t, chunk);
            t.chunks[i] = chunk;
            size++;
        }
        (high ? t.high : t.low)[i] = arena;
        return new Table(t.chunks, t.low, t.high, size);
    }

    private static Table clear(Table t, long chunk, MappedArena arena) {
        int i = t.find(chunk);
        assert i >= 0 : "no entry for chunk of " + arena;
        if (t.high[i] == arena) {
            t.high[i] = null;
        }
        if (t.low[i] == arena) {
            t.low[i] = null;
        }
        if (t.high[i] != null || t.low[i] != null) {
            return t;
        }
        delete(t, i);
        return new Table(t.chunks, t.low, t.high, t.size - 1);
    }

    private static int freeSlot(Table t, long chunk) {
        int mask = t.mask();
        int i = slot(chunk, mask);
        while (t.chunks[i] != EMPTY) {
            i = (i + 1) & mask;
        }
        return i;
    }

    /** Backward-shift deletion keeps every probe sequence unbroken without tombstones. */
    private static void delete(Table t, int hole) {
        int mask = t.mask();
        int i = hole;
        while (true) {
            i = (i + 1) & mask;
            if (t.chunks[i] == EMPTY) {
                break;
            }
            int home = slot(t.chunks[i], mask);
            boolean movable = hole <= i ? (home <= hole || home > i) : (home <= hole && home > i);
            if (movable) {
                t.chunks[hole] = t.chunks[i];
                t.low[hole] = t.low[i];
                t.high[hole] = t.high[i];
                hole = i;
            }
        }
        t.chunks[hole] = EMPTY;
        t.low[hole] = null;
        t.high[hole] = null;
    }

    /** Fibonacci hashing: consecutive chunk numbers (the common case) spread over the table. */
    private static int slot(long chunk, int mask) {
        return (int) ((chunk * 0x9E3779B97F4A7C15L) >>> 32) & mask;
    }
}
