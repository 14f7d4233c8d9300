package org.jpymalloc;

/**
 * What happens to a pool whose last block was freed. CPython retires it at once: off its class's used
 * list, to the front of its arena's free pools, the arena re-sorted in the usable order (and released when
 * wholly free, unless it ends the usable list). When the class's next allocation would take it straight
 * back, the retirement is <em>deferred</em> instead (mimalloc retires pages with a delay): the pool stays
 * its class's current pool, and a program whose only block of a class comes and goes does not pay for the
 * pool's round trip on every pair.
 *
 * <p>Invisible to statistics: the deferred retirement is carried out ({@link #settle}) before every
 * arena-level step (a pool emptied or taken from an arena, statistics, occupancy, invariants, close), and
 * since none ran in between, the state is then exactly CPython's. {@code DeferredRetirementTest} compares a
 * heap that retires eagerly with one that defers.
 *
 * <p>The deferral stays <em>armed</em> until the next {@link #settle}: when the pool, handed blocks again
 * since ({@link #forget}), empties again, it is deferred again on one compare. The decision rests on
 * arena-level state, which only a step after a settle can change, and on the class having no other used
 * pool; should another pool of the class have become used meanwhile (a full one given a block back), the
 * empty pool waits behind it on the class's list until the class needs a pool, which CPython would then
 * take from the same arena's front: this pool, as nothing at arena level happened in between. So the
 * only-block pair, allocate then free of a class's one block, costs a compare and a store on each side
 * over the ordinary pair.
 */
final class PoolRetirement {

    private final UsedPools used;
    private final UsableArenas usable;
    private final ArenaTable arenas;
    /**
     * The deferred pool, its arena's slot and its class; pool 0 if none. The arena is kept by its slot
     * ({@link ArenaTable#bySlot}), not by reference: a reference stored into this long-lived object would
     * pay the garbage collector's card-marking barrier.
     */
    long deferredPool;
    /**
     * The pool last deferred, until the next settle: when it empties again, {@link Heap#free} defers it
     * again itself ({@code deferredPool = armedPool}), with no call. Those two fields are the only-block
     * pair's step on every free, and JMH's only-block stubs pass C2's {@code NodeCountInliningCutoff},
     * past which {@link #emptied} would stay a call in the pair's loop. (With two accessor methods instead
     * of the fields, the stub's compile log showed the cutoff leaving a pool-header write out of line:
     * docs/design.md, "Performance notes".)
     */
    long armedPool;
    private int deferredArena;
    private int deferredClass;
    /** Whether emptied pools may be deferred; tests turn it off to compare with CPython's eager retirement. */
    boolean deferEmptyPools = true;

    PoolRetirement(UsedPools used, UsableArenas usable, ArenaTable arenas) {
        this.used = used;
        this.usable = usable;
        this.arenas = arenas;
    }

    /**
     * The last block of {@code pool}, in {@code arena}, was freed, and {@code pool} is not the armed pool
     * ({@link Heap#free} defers that one again itself).
     */
    void emptied(MappedArena arena, long pool) {
        assert pool != armedPool : "the armed pool is deferred again by Heap.free, not emptied";
        settle();
        int sizeClass = arena.poolClassOf(pool);
        if (deferEmptyPools && retiresToHead(arena, sizeClass)) {
            deferredPool = pool;
            armedPool = pool;
            deferredArena = arena.index;
            deferredClass = sizeClass;
        } else {
            retire(arena, pool, sizeClass);
        }
    }

    /**
     * Forgets the deferred pool: it handed out a block again (only the deferred pool can, from its class's
     * list, since a pool taken from an arena comes after a {@link #settle}, and CPython would have taken it
     * back just so). It stays armed.
     */
    void forget() {
        deferredPool = 0;
    }

    /** Carries out the deferred retirement, if any, as CPython did when the pool emptied, and disarms. */
    void settle() {
        armedPool = 0;
        long pool = deferredPool;
        if (pool != 0) {
            forget();
            retire(arenas.bySlot(deferredArena), pool, deferredClass);
        }
    }

    /** Forgets the deferral altogether: its arena is gone (the allocator is closing). */
    void clear() {
        deferredPool = 0;
        armedPool = 0;
    }

    /**
     * Whether retiring a pool of {@code arena} now would make it the pool the next new-pool request takes,
     * with nothing else changed: it is its class's only used pool (so that class's next allocation asks for
     * a new pool), and its arena is the usable head and stays the head, unreleased, after one more free pool
     * ({@link UsableArenas#keepsAsHead}; never under a ranked policy). Then CPython would take it straight
     * back, from the front of that arena's free pools, for the same class ("luckily", no
     * re-initialisation). Reads no pool header.
     */
    private boolean retiresToHead(MappedArena arena, int sizeClass) {
        return used.count(sizeClass) == 1 && usable.keepsAsHead(arena);
    }

    /** An empty pool leaves its class list for its arena's free pools; a wholly free arena is released. */
    private void retire(MappedArena arena, long pool, int sizeClass) {
        used.unlink(pool, sizeClass);
        arena.returnPool(pool);
        if (usable.increment(arena)) {
            arenas.release(arena);
        } else {
            arenas.decay();
        }
    }
}
