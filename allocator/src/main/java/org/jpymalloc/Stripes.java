package org.jpymalloc;

import java.util.List;
import java.util.function.Consumer;

/**
 * The stripes of a shared allocator: a fixed set of complete pymalloc {@link Heap}s, each with its own
 * {@link StripeLock} (biased to an owner thread), sharing one {@link ArenaMap}, one set of arena counters
 * and the allocator's memory budget. A thread allocates from the stripe its thread id selects; whole-heap
 * operations (statistics, occupancy, close, trim, invariants) take every stripe in one fixed order.
 */
final class Stripes {

    /** System property: {@code false} turns the stripes' owner bias off (every operation takes the lock). */
    static final String OWNER_BIAS_PROPERTY = "jpymalloc.ownerBias";

    private final Heap[] heaps;
    private final int mask;
    /** Which arena, of any stripe, owns an address: lock-free lookups for frees from any thread. */
    private final ArenaMap arenaMap;

    /**
     * {@code count} stripes (a power of two); {@code retention} is per stripe; {@code biasQuietOps} is the
     * owner-bias policy ({@link StripeLock#StripeLock(int)}).
     */
    Stripes(Geometry geometry, int count, ArenaRetention retention, MemoryBudget budget, boolean trackRequested,
            int biasQuietOps) {
        if (count < 1 || Integer.bitCount(count) != 1) {
            throw new IllegalArgumentException("stripe count must be a positive power of two: " + count);
        }
        this.arenaMap = new ArenaMap(geometry);
        ArenaCounters counters = new ArenaCounters();
        this.heaps = new Heap[count];
        for (int i = 0; i < count; i++) {
            heaps[i] = new Heap(geometry, new StripeLock(biasQuietOps), arenaMap, counters, retention, budget,
                    new Usage(), trackRequested);
        }
        this.mask = count - 1;
    }

    /** Twice the processors, as a power of two: two threads per core rarely share a stripe. */
    static int defaultCount() {
        int wanted = Math.max(2, 2 * Runtime.getRuntime().availableProcessors());
        return Math.min(64, Integer.highestOneBit(wanted - 1) << 1);
    }

    /**
     * The bias policy: {@link StripeLock#DEFAULT_QUIET_OPS}, or never biased when the system property
     * {@value #OWNER_BIAS_PROPERTY} is {@code false} (for comparisons and diagnosis).
     */
    static int defaultBiasQuietOps() {
        boolean bias = Boolean.parseBoolean(System.getProperty(OWNER_BIAS_PROPERTY, "true"));
        return bias ? StripeLock.DEFAULT_QUIET_OPS : -1;
    }

    /** The arena of any stripe holding {@code address}, or null; lock-free, reads no memory. */
    MappedArena arenaOf(long address) {
        return arenaMap.lookup(address);
    }

    /** The stripe {@code thread} allocates from. */
    Heap of(Thread thread) {
        return heaps[(int) thread.threadId() & mask];
    }

    List<Heap> all() {
        return List.of(heaps);
    }

    int count() {
        return heaps.length;
    }

    /**
     * Locks every stripe in one fixed order and keeps every owner out, with one process-wide barrier for all
     * of them (biases are kept); with {@code collect}, then returns the blocks other threads freed to their
     * pools, so that what follows sees them free. Only whole-heap operations hold more than one stripe, and
     * they take them in this order, so there is no deadlock.
     */
    void lockAll(boolean collect) {
        boolean anyOwner = false;
        for (Heap heap : heaps) {
            anyOwner |= heap.lock.acquireExcludingOwner();
        }
        if (anyOwner) {
            NativeMemory.processBarrier();
            for (Heap heap : heaps) {
                heap.lock.awaitOwnerIdle();
            }
        }
        if (collect) {
            for (Heap heap : heaps) {
                heap.drainRemoteFrees();
            }
        }
    }

    void unlockAll() {
        for (int i = heaps.length - 1; i >= 0; i--) {
            heaps[i].lock.releaseExcludingOwner();
        }
    }

    /** Runs {@code action} on each stripe in turn, under its lock with its owner kept out. */
    void eachExcludingOwner(Consumer<Heap> action) {
        for (Heap heap : heaps) {
            heap.lock.lockExcludingOwner();
            try {
                action.accept(heap);
            } finally {
                heap.lock.releaseExcludingOwner();
            }
        }
    }

    /** Under {@link #lockAll}: no stripe is biased again, and every arena is unmapped (the allocator closes). */
    void retireAll() {
        for (Heap heap : heaps) {
            heap.lock.retire();
            heap.releaseAll();
        }
    }

    /** Under {@link #lockAll}: how many times stripes were biased, and how many biases were revoked. */
    long[] biasGrantsAndRevocations() {
        long grants = 0;
        long revocations = 0;
        for (Heap heap : heaps) {
            grants += heap.lock.grants();
            revocations += heap.lock.revocations();
        }
        return new long[] {grants, revocations};
    }
}
