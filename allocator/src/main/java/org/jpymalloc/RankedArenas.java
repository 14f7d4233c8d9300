package org.jpymalloc;

import java.util.ArrayList;
import java.util.List;

/**
 * A ranked {@link ArenaPolicy}'s usable arenas: an unordered list, scanned for the lowest rank (ties to the
 * arena taken first) when a pool is needed. O(usable arenas) per new pool, which is per pool's worth of
 * blocks, not per block: the price of letting a rank read anything of an arena, paid by research
 * configurations only. Keeps each arena's {@link ArenaView#lastUsed()} for the ranks that read it.
 */
final class RankedArenas extends UsableArenas {

    private final ArenaPolicy policy;
    private final boolean keepOneEmpty;
    private final List<MappedArena> arenas = new ArrayList<>();
    /** The head found by the last scan, until the list or a count changes; null: scan again. */
    private MappedArena chosen;
    /** Pool events so far: a pool taken from or returned to one of this heap's arenas. */
    private long poolEvents;

    RankedArenas(ArenaPolicy policy) {
        this.policy = policy;
        this.keepOneEmpty = policy.keepsOneEmptyArena();
    }

    @Override
    MappedArena head() {
        if (chosen == null && !arenas.isEmpty()) {
            chosen = lowestRank();
        }
        return chosen;
    }

    /** Without ranking anything: a rank is asked for only when a pool is. */
    @Override
    boolean isEmpty() {
        return arenas.isEmpty();
    }

    private MappedArena lowestRank() {
        MappedArena best = null;
        long bestRank = 0;
        for (MappedArena arena : arenas) {
            long rank = rankOf(arena);
            if (best == null || rank < bestRank
                    || rank == bestRank && arena.mappedSequence < best.mappedSequence) {
                best = arena;
                bestRank = rank;
            }
        }
        return best;
    }

    /** The policy's rank; a rank that throws fails the request that needed a pool, and changes nothing. */
    private long rankOf(MappedArena arena) {
        try {
            return policy.rank(arena);
        } catch (RuntimeException e) {
            throw new IllegalStateException("arena policy '" + policy.name() + "' failed to rank " + arena, e);
        }
    }

    @Override
    void addFirstArena(MappedArena arena) {
        assert arenas.isEmpty();
        arenas.add(arena);
        chosen = null;
    }

    @Override
    void decrementHead() {
        MappedArena arena = head();
        arena.lastUsed = ++poolEvents;
        if (--arena.freePoolCount == 0) {
            arenas.remove(arena);
        }
        chosen = null;
    }

    @Override
    boolean increment(MappedArena arena) {
        arena.lastUsed = ++poolEvents;
        chosen = null;
        if (++arena.freePoolCount == 1) {
            arenas.add(arena);
        }
        if (arena.freePoolCount == arena.totalPools && (!keepOneEmpty || anotherWhollyFree(arena))) {
            arenas.remove(arena);
            return true;
        }
        return false;
    }

    /** Whether a usable arena other than {@code arena} is wholly free (once per arena that empties). */
    private boolean anotherWhollyFree(MappedArena arena) {
        for (MappedArena other : arenas) {
            if (other != arena && other.isWhollyFree()) {
                return true;
            }
        }
        return false;
    }

    /** Never: a ranked order may move on any pool event, so emptied pools are retired at once. */
    @Override
    boolean keepsAsHead(MappedArena arena) {
        return false;
    }

    @Override
    void clear() {
        arenas.clear();
        chosen = null;
    }

    @Override
    int checkInvariants() {
        for (MappedArena arena : arenas) {
            check(arena.freePoolCount > 0, arena + " is usable with no free pool");
            check(arenas.indexOf(arena) == arenas.lastIndexOf(arena), arena + " is listed twice");
        }
        check(chosen == null || chosen == lowestRank(), "the chosen arena " + chosen + " is not the lowest rank");
        return arenas.size();
    }
}
