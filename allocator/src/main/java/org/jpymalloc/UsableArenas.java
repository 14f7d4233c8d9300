package org.jpymalloc;

/**
 * The arenas of a heap that still have a free (empty or virgin) pool, in the order its {@link ArenaPolicy}
 * gives: new pools come from the {@link #head()}. An arena is usable if and only if its
 * {@code freePoolCount} is positive. The heap (and {@link PoolRetirement}) keeps the counts through this
 * class; pool-level events only, never the block-level hot path.
 */
abstract sealed class UsableArenas permits FullestFirstArenas, RankedArenas {

    /** The order {@code policy} gives, for arenas of {@code geometry}. */
    static UsableArenas of(ArenaPolicy policy, Geometry geometry) {
        return policy instanceof FullestFirstArenas.Policy cpython
                ? new FullestFirstArenas(geometry, cpython.keepsOneEmptyArena())
                : new RankedArenas(policy);
    }

    /** The arena the next pool comes from, or null. */
    abstract MappedArena head();

    boolean isEmpty() {
        return head() == null;
    }

    /** Adds a freshly taken arena, all of whose pools are free, when no arena is usable. */
    abstract void addFirstArena(MappedArena arena);

    /** Takes one free pool's worth of count from the head (the caller then takes the pool from it). */
    abstract void decrementHead();

    /**
     * Records that {@code arena} got one more free pool, keeping the order.
     *
     * @return true when the arena is now wholly free and should be released: it has been unlinked
     */
    abstract boolean increment(MappedArena arena);

    /**
     * Whether one more free pool in {@code arena} would leave it the head, unreleased, with no other arena
     * moved: then the next pool request takes that pool straight back ({@link PoolRetirement}'s deferral).
     */
    abstract boolean keepsAsHead(MappedArena arena);

    /** Forgets every arena (the heap is closing and unmaps them all). */
    abstract void clear();

    /**
     * Checks the order and its bookkeeping.
     *
     * @return the number of usable arenas
     * @throws IllegalStateException naming the first broken invariant
     */
    abstract int checkInvariants();

    static void check(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException("invariant broken: " + message);
        }
    }
}
