package org.jpymalloc;

import java.util.Arrays;

import static org.jpymalloc.ClassSlots.HEAD;
import static org.jpymalloc.ClassSlots.STRIDE;
import static org.jpymalloc.PoolHeader.nextPool;
import static org.jpymalloc.PoolHeader.prevPool;

/**
 * The used pools of each size class (obmalloc's {@code usedpools}): per class a circular, doubly linked
 * list through the pool headers' {@code nextPool}/{@code prevPool}, whose head serves the class's
 * allocations. A pool joins at the head when it leaves "full" or is newly set up (obmalloc's "mimics LRU
 * pool usage") and leaves when it fills or empties.
 *
 * <p>The heads are kept on the Java heap ({@code 0}: the class has no used pool; in the {@link ClassSlots}
 * table the allocation reads), with each head's arena, so
 * that an allocation reads no pool header to find its pool or arena, and a count per class, so that
 * deciding a deferral ({@link Heap}) reads none either. Obmalloc keeps sentinel pseudo-pools instead; here
 * no fake header exists in off-heap memory.
 */
final class UsedPools {

    /** Per class, the head pool, or 0, at {@link ClassSlots#HEAD}. Read directly by the allocation hot path. */
    private final long[] slots;
    /** Per class, the head pool's arena (null with no head). */
    final MappedArena[] headArenas;
    private final int[] counts;
    private final ArenaTable arenas;

    /** Keeps the heads in {@code slots}, a {@link ClassSlots} table. */
    UsedPools(long[] slots, int sizeClasses, ArenaTable arenas) {
        this.slots = slots;
        this.headArenas = new MappedArena[sizeClasses];
        this.counts = new int[sizeClasses];
        this.arenas = arenas;
    }

    /** Puts {@code pool} of {@code arena} at the head of its class's list. */
    void push(MappedArena arena, long pool, int sizeClass) {
        counts[sizeClass]++;
        long head = slots[STRIDE * sizeClass + HEAD];
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
        slots[STRIDE * sizeClass + HEAD] = pool;
        headArenas[sizeClass] = arena;
    }

    /** Takes {@code pool} off its class's list; the next pool becomes the head if it was. */
    void unlink(long pool, int sizeClass) {
        counts[sizeClass]--;
        long next = nextPool(pool);
        if (next == pool) {
            slots[STRIDE * sizeClass + HEAD] = 0;
            headArenas[sizeClass] = null;
            return;
        }
        long prev = prevPool(pool);
        nextPool(prev, next);
        prevPool(next, prev);
        if (slots[STRIDE * sizeClass + HEAD] == pool) {
            slots[STRIDE * sizeClass + HEAD] = next;
            headArenas[sizeClass] = arenas.bySlot(PoolHeader.arenaIndex(next));
        }
    }

    /** Pools on the class's list. */
    int count(int sizeClass) {
        return counts[sizeClass];
    }

    /** Every list empty (the arenas are gone). */
    void clear() {
        for (int c = 0; c < counts.length; c++) {
            slots[STRIDE * c + HEAD] = 0;
        }
        Arrays.fill(headArenas, null);
        Arrays.fill(counts, 0);
    }
}
