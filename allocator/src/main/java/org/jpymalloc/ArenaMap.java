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
 */
final class ArenaMap {

    private static final long EMPTY = -1L; // no chunk number is -1: addresses are below 2^63
    private static final int MIN_CAPACITY = 16;

    private final int chunkShift;
    private long[] chunks;
    private MappedArena[] low;
    private MappedArena[] high;
    private int size;
    private MappedArena lastFound;

    ArenaMap(Geometry geometry) {
        this.chunkShift = Long.numberOfTrailingZeros(geometry.arenaSize());
        allocateTable(MIN_CAPACITY);
    }

    /**
     * The arena whose range holds {@code address}, or null. The arena found last is checked first: in a
     * program whose blocks sit in a few arenas, most lookups end there without hashing.
     */
    MappedArena lookup(long address) {
        MappedArena last = lastFound;
        if (last != null && last.contains(address)) {
            return last;
        }
        MappedArena found = probe(address);
        if (found != null) {
            lastFound = found;
        }
        return found;
    }

    private MappedArena probe(long address) {
        long chunk = address >>> chunkShift;
        int mask = chunks.length - 1;
        for (int i = slot(chunk, mask); ; i = (i + 1) & mask) {
            long key = chunks[i];
            if (key == chunk) {
                MappedArena h = high[i];
                if (h != null && h.contains(address)) {
                    return h;
                }
                MappedArena l = low[i];
                return l != null && l.contains(address) ? l : null;
            }
            if (key == EMPTY) {
                return null;
            }
        }
    }

    void add(MappedArena arena) {
        long first = arena.base >>> chunkShift;
        long last = (arena.base + arena.byteSize - 1) >>> chunkShift;
        // Index first: findOrInsert may grow (replace) the arrays, and Java evaluates the array
        // reference of an assignment before its index.
        int firstSlot = findOrInsert(first);
        high[firstSlot] = arena;
        if (last != first) {
            int lastSlot = findOrInsert(last);
            low[lastSlot] = arena;
        }
    }

    void remove(MappedArena arena) {
        if (lastFound == arena) {
            lastFound = null;
        }
        long first = arena.base >>> chunkShift;
        long last = (arena.base + arena.byteSize - 1) >>> chunkShift;
        clear(first, arena);
        if (last != first) {
            clear(last, arena);
        }
    }

    /** Number of chunks with an entry; for tests. */
    int chunkCount() {
        return size;
    }

    private void clear(long chunk, MappedArena arena) {
        int i = find(chunk);
        assert i >= 0 : "no entry for chunk of " + arena;
        if (high[i] == arena) {
            high[i] = null;
        }
        if (low[i] == arena) {
            low[i] = null;
        }
        if (high[i] == null && low[i] == null) {
            delete(i);
        }
    }

    private int find(long chunk) {
        int mask = chunks.length - 1;
        for (int i = slot(chunk, mask); ; i = (i + 1) & mask) {
            if (chunks[i] == chunk) {
                return i;
            }
            if (chunks[i] == EMPTY) {
                return -1;
            }
        }
    }

    private int findOrInsert(long chunk) {
        int existing = find(chunk);
        if (existing >= 0) {
            return existing;
        }
        if (2 * (size + 1) > chunks.length) {
            grow();
        }
        int mask = chunks.length - 1;
        int i = slot(chunk, mask);
        while (chunks[i] != EMPTY) {
            i = (i + 1) & mask;
        }
        chunks[i] = chunk;
        size++;
        return i;
    }

    /** Backward-shift deletion keeps every probe sequence unbroken without tombstones. */
    private void delete(int hole) {
        int mask = chunks.length - 1;
        int i = hole;
        while (true) {
            i = (i + 1) & mask;
            if (chunks[i] == EMPTY) {
                break;
            }
            int home = slot(chunks[i], mask);
            boolean movable = hole <= i ? (home <= hole || home > i) : (home <= hole && home > i);
            if (movable) {
                move(i, hole);
                hole = i;
            }
        }
        chunks[hole] = EMPTY;
        low[hole] = high[hole] = null;
        size--;
    }

    private void move(int from, int to) {
        chunks[to] = chunks[from];
        low[to] = low[from];
        high[to] = high[from];
    }

    private void grow() {
        long[] oldChunks = chunks;
        MappedArena[] oldLow = low;
        MappedArena[] oldHigh = high;
        allocateTable(oldChunks.length * 2);
        int mask = chunks.length - 1;
        for (int j = 0; j < oldChunks.length; j++) {
            if (oldChunks[j] != EMPTY) {
                int i = slot(oldChunks[j], mask);
                while (chunks[i] != EMPTY) {
                    i = (i + 1) & mask;
                }
                chunks[i] = oldChunks[j];
                low[i] = oldLow[j];
                high[i] = oldHigh[j];
            }
        }
    }

    private void allocateTable(int capacity) {
        chunks = new long[capacity];
        Arrays.fill(chunks, EMPTY);
        low = new MappedArena[capacity];
        high = new MappedArena[capacity];
    }

    /** Fibonacci hashing: consecutive chunk numbers (the common case) spread over the table. */
    private static int slot(long chunk, int mask) {
        return (int) ((chunk * 0x9E3779B97F4A7C15L) >>> 32) & mask;
    }
}
