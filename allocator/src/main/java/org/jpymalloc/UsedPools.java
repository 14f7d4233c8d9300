package org.jpymalloc;

import java.util.Arrays;

import static org.jpymalloc.PoolHeader.freeBlock;
import static org.jpymalloc.PoolHeader.nextPool;
import static org.jpymalloc.PoolHeader.prevPool;

/**
 * The used pools of each size class (obmalloc's {@code usedpools}): per class a circular, doubly linked
 * list through the pool headers' {@code nextPool}/{@code prevPool}, whose head serves the class's
 * allocations. A pool joins at the head when it leaves "full" or is newly set up (obmalloc's "mimics LRU
 * pool usage") and leaves when it fills or empties.
 *
 * <p>The heads are kept in Java arrays ({@code 0}: the class has no used pool), with each head's arena, so
 * that an allocation reads no pool header to find its pool or arena, and a count per class, so that
 * deciding a deferral ({@link Heap}) reads none either. Obmalloc keeps sentinel pseudo-pools instead; here
 * no fake header exists in off-heap memory.
 *
 * <p>Each head's free-list head and count live in {@link #headLists} while it is the head, not in its
 * header: the hot paths take and return the head pool's blocks without a header access. A pool's header
 * words are written back when it stops being the head, and for every head by {@link #writeBackHeads}
 * before anything reads headers (statistics, occupancy, invariants, a diagnosis); reading them in
 * between gives stale values.
 */
final class UsedPools {

    /** Per class, the head pool, or 0. Read directly by the allocation hot path. */
    final long[] heads;
    /** Per class, the head pool's arena (null with no head). */
    final MappedArena[] headArenas;
    /**
     * Per class {@code c}, of its head pool: at {@code 2c} the free-list head (the pool header's {@code
     * freeBlock}), at {@code 2c + 1} the count of live blocks ({@code count}); zeros with no head. One
     * array, so that the pair of accesses costs one bounds check. Read and written directly by the hot paths.
     */
    final long[] headLists;
    private final int[] counts;
    private final ArenaTable arenas;

    UsedPools(int sizeClasses, ArenaTable arenas) {
        this.heads = new long[sizeClasses];
        this.headArenas = new MappedArena[sizeClasses];
        this.headLists = new long[2 * sizeClasses];
        this.counts = new int[sizeClasses];
        this.arenas = arenas;
    }

    /**
     * Puts {@code pool} of {@code arena} at the head of its class's list; its header's free list and count
     * must be set (they move to {@link #headLists}).
     */
    void push(MappedArena arena, long pool, int sizeClass) {
        counts[sizeClass]++;
        long head = heads[sizeClass];
        if (head == 0) {
            nextPool(pool, pool);
            prevPool(pool, pool);
        } else {
            writeBack(sizeClass, head);
            long tail = prevPool(head);
            nextPool(pool, head);
            prevPool(pool, tail);
            nextPool(tail, pool);
            prevPool(head, pool);
        }
        becomeHead(arena, pool, sizeClass);
    }

    /** Takes {@code pool} off its class's list; the next pool becomes the head if it was. */
    void unlink(long pool, int sizeClass) {
        counts[sizeClass]--;
        boolean wasHead = heads[sizeClass] == pool;
        if (wasHead) {
            writeBack(sizeClass, pool);
        }
        long next = nextPool(pool);
        if (next == pool) {
            heads[sizeClass] = 0;
            headArenas[sizeClass] = null;
            headLists[2 * sizeClass] = 0;
            headLists[2 * sizeClass + 1] = 0;
            return;
        }
        long prev = prevPool(pool);
        nextPool(prev, next);
        prevPool(next, prev);
        if (wasHead) {
            becomeHead(arenas.bySlot(PoolHeader.arenaIndex(next)), next, sizeClass);
        }
    }

    /** Writes every head's free-list head and count back to its header, for readers of headers. */
    void writeBackHeads() {
        for (int c = 0; c < heads.length; c++) {
            if (heads[c] != 0) {
                writeBack(c, heads[c]);
            }
        }
    }

    private void writeBack(int sizeClass, long head) {
        freeBlock(head, headLists[2 * sizeClass]);
        PoolHeader.count(head, (int) headLists[2 * sizeClass + 1]);
    }

    private void becomeHead(MappedArena arena, long pool, int sizeClass) {
        heads[sizeClass] = pool;
        headArenas[sizeClass] = arena;
        headLists[2 * sizeClass] = freeBlock(pool);
        headLists[2 * sizeClass + 1] = PoolHeader.count(pool);
    }

    /** Pools on the class's list. */
    int count(int sizeClass) {
        return counts[sizeClass];
    }

    /** Every list empty (the arenas are gone). */
    void clear() {
        Arrays.fill(heads, 0);
        Arrays.fill(headArenas, null);
        Arrays.fill(counts, 0);
        Arrays.fill(headLists, 0);
    }
}
