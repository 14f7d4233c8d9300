package org.jpymalloc;

/**
 * What an {@link ArenaPolicy} may read of an arena when it ranks it: a read-only view, valid only during
 * the call (the heap is held then; keep no reference).
 */
public interface ArenaView {

    /** The arena's base address, from {@code mmap}. */
    long address();

    /** Its pools that hold no block now: empty ones plus those never carved (obmalloc's {@code nfreepools}). */
    int freePools();

    /** All its pools (one fewer than {@code arenaSize / poolSize} when the base is not pool-aligned). */
    int totalPools();

    /**
     * When its heap took it, as a count of the arenas that heap has taken (mapped or reused) so far: lower is
     * older.
     */
    long mappedSequence();

    /**
     * When a pool last left it or came back to it, as a count of such pool events in its heap: higher is more
     * recent. Kept only under ranked policies (0 under {@link ArenaPolicy#CPYTHON}'s constant-time order).
     */
    long lastUsed();
}
