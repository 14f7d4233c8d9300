package org.jpymalloc;

import java.util.List;
import java.util.Objects;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;

/**
 * Which arena gives a size class its next pool, and whether an arena whose pools are all free again stays
 * mapped as the one wholly free arena CPython 3.9+ keeps. The geometry fixes the shapes; this fixes the arena-level choices, the
 * "what if" a researcher varies ({@link PyMalloc.Builder#arenaPolicy}; docs/research.md). Pools within an
 * arena and blocks within a pool are reused LIFO under every policy, as in obmalloc.
 *
 * <p>{@link #CPYTHON} is obmalloc's rule exactly, kept in constant time per pool event (a list sorted by free
 * pools, {@link FullestFirstArenas}). Any other policy is <em>ranked</em>: new pools come from the usable
 * arena of lowest {@link #rank}, ties to the arena taken first, found by a scan of the usable arenas when a
 * pool is needed ({@link RankedArenas}); write your own with {@link #ranked}. The block-level hot path is the
 * same under every policy; under a ranked one a pool whose last block is freed is retired at once, never
 * deferred ({@link PoolRetirement}). Released arenas are retained or unmapped as the builder's
 * {@code spareArenas} and {@code arenaDecay} say, under every policy.
 */
public interface ArenaPolicy {

    /** The name the builder's users and the command line know it by. */
    String name();

    /**
     * The arena's place in the order: a new pool comes from the usable arena with the lowest rank. Called
     * for every usable arena when a pool is needed, with the heap held; must not throw.
     */
    long rank(ArenaView arena);

    /**
     * Whether an arena whose last used pool empties may stay mapped, so that a heap keeps at most one wholly
     * free arena (CPython 3.9+, gh-81438: otherwise a loop that allocates and frees one block maps and unmaps
     * an arena every time). CPython keeps it when it ends its sorted list; a ranked order keeps it while no
     * other usable arena is wholly free. Default: true.
     */
    default boolean keepsOneEmptyArena() {
        return true;
    }

    /**
     * CPython 3.9+: the arena with the fewest free pools first, so that emptier arenas drain and can be
     * released (obmalloc's {@code usable_arenas}); one wholly free arena is kept. The default.
     */
    ArenaPolicy CPYTHON = new FullestFirstArenas.Policy("cpython", true);

    /**
     * CPython 3.8 and earlier: the same order, but every arena that empties is unmapped at once: the
     * thrashing 3.9 fixed, for comparing versions on one trace.
     */
    ArenaPolicy CPYTHON_3_8 = new FullestFirstArenas.Policy("cpython-3.8", false);

    /**
     * The arena at the lowest address first: address-ordered first fit, which Wilson, Johnstone, Neely and
     * Boles (1995) found among the least fragmenting policies, and jemalloc's choice of the lowest-addressed
     * extent. Packs the live data towards low addresses whatever the arenas' fill.
     */
    ArenaPolicy ADDRESS_ORDERED = ranked("address", ArenaView::address);

    /**
     * The arena a pool last left or came back to first: temporal locality (the pages just touched are
     * likely in cache and TLB), at the risk of spreading pools over many arenas.
     */
    ArenaPolicy MOST_RECENTLY_USED = ranked("mru", arena -> -arena.lastUsed());

    /**
     * The arena taken earliest first: first fit by age (FIFO), so that long-lived arenas fill and young ones
     * drain; a time-ordered counterpart to address order.
     */
    ArenaPolicy OLDEST_FIRST = ranked("oldest", ArenaView::mappedSequence);

    /**
     * The arena with the most free pools first: the opposite of CPython's (worst fit over arenas). It
     * spreads pools evenly, so arenas seldom empty: the control that shows what CPython's order buys.
     */
    ArenaPolicy EMPTIEST_FIRST = ranked("emptiest", arena -> -arena.freePools());

    /** The built-in policies, {@link #CPYTHON} first. */
    static List<ArenaPolicy> builtIn() {
        return List.of(CPYTHON, CPYTHON_3_8, ADDRESS_ORDERED, MOST_RECENTLY_USED, OLDEST_FIRST, EMPTIEST_FIRST);
    }

    /**
     * The built-in policy called {@code name}.
     *
     * @throws IllegalArgumentException naming the value and listing the valid names, if none is
     */
    static ArenaPolicy named(String name) {
        for (ArenaPolicy policy : builtIn()) {
            if (policy.name().equals(name)) {
                return policy;
            }
        }
        throw new IllegalArgumentException("unknown arena policy '" + name + "'; valid: "
                + builtIn().stream().map(ArenaPolicy::name).collect(Collectors.joining(", ")));
    }

    /**
     * A ranked policy: new pools come from the usable arena of lowest {@code rank}, ties to the arena taken
     * first; one wholly free arena is kept, as CPython 3.9+ does.
     *
     * @throws IllegalArgumentException if {@code name} is blank
     */
    static ArenaPolicy ranked(String name, ToLongFunction<ArenaView> rank) {
        Objects.requireNonNull(rank, "rank");
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("an arena policy's name must not be blank: '" + name + "'");
        }
        return new ArenaPolicy() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public long rank(ArenaView arena) {
                return rank.applyAsLong(arena);
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }
}
