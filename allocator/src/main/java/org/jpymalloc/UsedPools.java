package org.jpymalloc;

import java.util.Arrays;

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
 */
final class UsedPools {

    /** Per class, the head pool, or 0. Read directly by the allocation hot path. */
    final long[] heads;
    /** Per class, the head pool's arena (null with no head). */
    final MappedArena[] headArenas;
    private final int[] counts;
    private final ArenaTable arenas;

    UsedPools(int sizeClasses, ArenaTable arenas) {
        this.heads = new long[sizeClasses];
        this.headArenas = new MappedArena[sizeClasses];
        this.counts = new int[sizeClasses];
        this.arenas = arenas;
    }

    /** Puts {@code pool} of {@code arena} at the head of its class's list. */
    void push(MappedArena arena, long pool, int sizeClass) {
        counts[sizeClass]++;
        long head = heads[sizeClass];
        if (head == 0) {
            nextPool(pool, pool);
            prevPool(pool, pool);
        } else {
            long tail = prevPool(head);
            nextPool(pool, head);
            prevPool(pool, tail);
            nextPool(tail, pool);
            prevPool(head, pool);
        }
        heads[sizeClass] = pool;
        headArenas[sizeClass] = arena;
    }

    /** Takes {@code pool} off its class's list; the next pool becomes the head if it was. */
    void unlink(long pool, int sizeClass) {
        counts[sizeClass]--;
        long next = nextPool(pool);
        if (next == pool) {
            heads[sizeClass] = 0;
            headArenas[sizeClass] = null;
            return;
        }
        long prev = prevPool(pool);
        nextPool(prev, next);
        prevPool(next, prev);
        if (heads[sizeClass] == pool) {
            heads[sizeClass] = next;
            headArenas[sizeClass] = arenas.bySlot(PoolHeader.arenaIndex(next));
        }
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
    }
}
