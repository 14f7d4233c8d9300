package org.jpymalloc;

/**
 * {@link ArenaPolicy#CPYTHON}'s usable arenas: a doubly linked list sorted by ascending
 * {@code freePoolCount} (obmalloc's {@code usable_arenas}). New pools come from the head, the most-used
 * arena, so that emptier arenas drain and can be unmapped.
 *
 * <p>Key invariant (obmalloc's): an arena is on this list if and only if its {@code freePoolCount} is
 * positive. Re-sorting after a change of one is O(1): {@code lastWithFreeCount[n]} is the rightmost arena
 * whose count is {@code n} (obmalloc's {@code nfp2lasta}, CPython 3.8+), so an arena whose count grows
 * by one moves to just after the rightmost arena of its old count.
 */
final class FullestFirstArenas extends UsableArenas {

    /** CPython's policy and its 3.8 variant; {@link UsableArenas#of} recognises it. */
    record Policy(String name, boolean keepsOneEmptyArena) implements ArenaPolicy {
        @Override
        public long rank(ArenaView arena) {
            return arena.freePools();
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private MappedArena head;
    private final MappedArena[] lastWithFreeCount;
    /** Whether a wholly free arena is kept while it is the last on the list (CPython 3.9+). */
    private final boolean keepLast;

    FullestFirstArenas(Geometry geometry, boolean keepLast) {
        this.lastWithFreeCount = new MappedArena[(int) (geometry.arenaSize() / geometry.poolSize()) + 1];
        this.keepLast = keepLast;
    }

    /** The arena new pools come from: the one with the fewest free pools, or null. */
    @Override
    MappedArena head() {
        return head;
    }

    @Override
    boolean isEmpty() {
        return head == null;
    }

    /** Adds a freshly mapped arena, all of whose pools are free, when the list is empty. */
    @Override
    void addFirstArena(MappedArena arena) {
        assert head == null && lastWithFreeCount[arena.freePoolCount] == null;
        arena.nextUsable = arena.prevUsable = null;
        head = arena;
        lastWithFreeCount[arena.freePoolCount] = arena;
    }

    /**
     * Takes one free pool's worth of count from the head arena (the caller then takes the pool). The head
     * has the smallest count, so it stays in place; it leaves the list when its count reaches zero.
     */
    @Override
    void decrementHead() {
        MappedArena arena = head;
        int free = arena.freePoolCount;
        if (lastWithFreeCount[free] == arena) {
            lastWithFreeCount[free] = null;
        }
        if (free > 1) {
            lastWithFreeCount[free - 1] = arena;
        }
        arena.freePoolCount = free - 1;
        if (free == 1) {
            head = arena.nextUsable;
            if (head != null) {
                head.prevUsable = null;
            }
            arena.nextUsable = null;
        }
    }

    /**
     * Records that {@code arena} got one more free pool, moving it to keep the list sorted.
     *
     * @return true when the arena is now wholly free and should be unmapped: it has been unlinked. Under
     *     CPython 3.9+'s rule the last arena on the list is kept even when wholly free (bpo-37257: a loop
     *     that allocates and frees one block would otherwise map and unmap an arena on every iteration).
     */
    @Override
    boolean increment(MappedArena arena) {
        int free = arena.freePoolCount;
        MappedArena lastOfOld = lastWithFreeCount[free];
        if (lastOfOld == arena) {
            MappedArena prev = arena.prevUsable;
            lastWithFreeCount[free] = prev != null && prev.freePoolCount == free ? prev : null;
        }
        arena.freePoolCount = ++free;
        if (free == arena.totalPools && (arena.nextUsable != null || !keepLast)) {
            unlink(arena);
            return true;
        }
        if (free == 1) {
            pushFront(arena);
            return false;
        }
        if (lastWithFreeCount[free] == null) {
            lastWithFreeCount[free] = arena;
        }
        if (arena != lastOfOld) {
            unlink(arena);
            insertAfter(lastOfOld, arena);
        }
        return false;
    }

    /**
     * The head stays the head with one more free pool when the arena after it has another count (no
     * re-sort moves it), and it is not a wholly free arena that would be released.
     */
    @Override
    boolean keepsAsHead(MappedArena arena) {
        if (head != arena) {
            return false;
        }
        MappedArena next = arena.nextUsable;
        boolean staysMapped = arena.freePoolCount + 1 < arena.totalPools || next == null && keepLast;
        return staysMapped && (next == null || next.freePoolCount != arena.freePoolCount);
    }

    /** Forgets every arena (used when the heap closes and unmaps them all). */
    @Override
    void clear() {
        head = null;
        java.util.Arrays.fill(lastWithFreeCount, null);
    }

    private void pushFront(MappedArena arena) {
        arena.prevUsable = null;
        arena.nextUsable = head;
        if (head != null) {
            head.prevUsable = arena;
        }
        head = arena;
        if (lastWithFreeCount[1] == null) {
            lastWithFreeCount[1] = arena;
        }
    }

    private void unlink(MappedArena arena) {
        if (arena.prevUsable == null) {
            head = arena.nextUsable;
        } else {
            arena.prevUsable.nextUsable = arena.nextUsable;
        }
        if (arena.nextUsable != null) {
            arena.nextUsable.prevUsable = arena.prevUsable;
        }
        arena.nextUsable = arena.prevUsable = null;
    }

    private void insertAfter(MappedArena anchor, MappedArena arena) {
        arena.prevUsable = anchor;
        arena.nextUsable = anchor.nextUsable;
        if (arena.nextUsable != null) {
            arena.nextUsable.prevUsable = arena;
        }
        anchor.nextUsable = arena;
    }

    /**
     * Checks the list: sorted by ascending count, every count positive, links consistent, and
     * {@code lastWithFreeCount} naming the rightmost arena of each count present (null for others).
     *
     * @return the number of arenas on the list
     */
    @Override
    int checkInvariants() {
        int n = 0;
        MappedArena prev = null;
        for (MappedArena a = head; a != null; prev = a, a = a.nextUsable) {
            n++;
            check(a.prevUsable == prev, "broken usable-arena links at " + a);
            check(a.freePoolCount > 0, a + " is usable with no free pool");
            check(prev == null || prev.freePoolCount <= a.freePoolCount, "usable arenas out of order at " + a);
            boolean rightmost = a.nextUsable == null || a.nextUsable.freePoolCount != a.freePoolCount;
            check(!rightmost || lastWithFreeCount[a.freePoolCount] == a,
                    "lastWithFreeCount[" + a.freePoolCount + "] is not " + a);
        }
        for (int count = 0; count < lastWithFreeCount.length; count++) {
            MappedArena last = lastWithFreeCount[count];
            check(last == null || last.freePoolCount == count, "lastWithFreeCount[" + count + "] is stale");
        }
        return n;
    }
}
