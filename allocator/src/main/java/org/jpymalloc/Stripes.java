package org.jpymalloc;

import java.util.List;
import java.util.function.Consumer;

/**
 * The heaps of a shared allocator: a fixed set of <em>stripes</em>, complete pymalloc {@link Heap}s each
 * with its own {@link StripeLock} (biased to an owner thread), and the heaps of its {@link ThreadHeap}s
 * ({@link ThreadHeaps}), all sharing one {@link ArenaMap}, one set of arena counters and the allocator's
 * memory budget. A thread allocates from the stripe its thread id selects, or from its thread heap;
 * whole-heap operations (statistics, occupancy, close, trim, invariants) take every heap in one fixed
 * order: the thread-heap registry, the stripes, the thread heaps.
 */
final class Stripes {

    /** System property: {@code false} turns the stripes' owner bias off (every operation takes the lock). */
    static final String OWNER_BIAS_PROPERTY = "jpymalloc.ownerBias";

    private final Heap[] heaps;
    private final ThreadHeaps threadHeaps;
    /** Which arena, of any stripe, owns an address: lock-free lookups for frees from any thread. */
    private final ArenaMap arenaMap;
    /** Which heap's own system path holds a block over the threshold. */
    private final SystemBlockOwners systemOwners = new SystemBlockOwners();

    /**
     * {@code count} stripes (a power of two); {@code retention} and {@code policy} apply per heap; {@code biasQuietOps} is the
     * owner-bias policy ({@link StripeLock#StripeLock(int)}); every heap has a system path of its own,
     * caching at most {@code systemCacheBytes} of freed blocks ({@link #withSystemPath}).
     */
    Stripes(Geometry geometry, int count, ArenaRetention retention, ArenaPolicy policy, MemoryBudget budget,
            boolean trackRequested, int biasQuietOps, long systemCacheBytes) {
        if (count < 1 || Integer.bitCount(count) != 1) {
            throw new IllegalArgumentException("stripe count must be a positive power of two: " + count);
        }
        this.arenaMap = new ArenaMap(geometry);
        ArenaCounters counters = new ArenaCounters(geometry);
        this.heaps = new Heap[count];
        for (int i = 0; i < count; i++) {
            heaps[i] = withSystemPath(new Heap(geometry, new StripeLock(biasQuietOps), arenaMap, counters,
                    retention, policy, budget, new Usage(), trackRequested), budget, systemCacheBytes);
        }
        this.threadHeaps = new ThreadHeaps(() -> withSystemPath(new Heap(geometry, StripeLock.pinnable(), arenaMap,
                counters, retention, policy, budget, new Usage(), trackRequested), budget, systemCacheBytes));
    }

    /**
     * Gives {@code heap} a system path of its own, under the heap's guard, its blocks recorded in
     * {@link #systemOwners} so that a free from any thread finds them, caching at most {@code cacheBytes}
     * (docs/design.md, "Shared mode").
     */
    private Heap withSystemPath(Heap heap, MemoryBudget budget, long cacheBytes) {
        heap.ownSystemPath(new SystemPath(budget, heap.usage, heap.geometry.arenaSize(), cacheBytes,
                ArenaRetention.DEFAULT_DECAY, systemOwners.sourceFor(heap), true));
        return heap;
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

    /** The heap whose own system path holds the block at {@code address}, or null ({@link SystemBlockOwners}). */
    Heap systemOwnerOf(long address) {
        return systemOwners.heapOf(address);
    }

    /** Blocks the heaps' system paths hold from the C library, live or cached; for tests. */
    int systemBlocksRecorded() {
        return systemOwners.size();
    }

    /**
     * The stripes, indexed by {@code threadId & (length - 1)}: the array itself, not a copy, so that
     * {@link SharedAllocator} routes a call with one load fewer in its chain of dependent loads.
     * Never written after construction.
     */
    Heap[] stripes() {
        return heaps;
    }

    /** Every heap: the stripes, then the thread heaps' (open, orphaned or left by dead threads). */
    List<Heap> all() {
        Heap[] threads = threadHeaps.all();
        Heap[] all = java.util.Arrays.copyOf(heaps, heaps.length + threads.length);
        System.arraycopy(threads, 0, all, heaps.length, threads.length);
        return List.of(all);
    }

    /** A heap for a new thread heap of {@code holder}, pinned to it and locked by it: {@link ThreadHeaps#adopt}. */
    Heap adoptThreadHeap(Thread holder) {
        return threadHeaps.adopt(holder);
    }

    /** A closing thread heap's heap, unpinned by its holder, waits for the next thread heap. */
    void orphanThreadHeap(Heap heap) {
        threadHeaps.orphan(heap);
    }

    /** Heaps made for thread heaps, and how many wait as orphans; for tests. */
    int[] threadHeapsAndOrphans() {
        threadHeaps.lock();
        try {
            return new int[] {threadHeaps.all().length, threadHeaps.orphanCount()};
        } finally {
            threadHeaps.unlock();
        }
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
        threadHeaps.lock();
        List<Heap> all = all();
        boolean anyOwner = false;
        for (Heap heap : all) {
            anyOwner |= heap.lock.acquireExcludingOwner();
        }
        if (anyOwner) {
            NativeMemory.processBarrier();
            for (Heap heap : all) {
                heap.lock.awaitOwnerIdle();
            }
        }
        if (collect) {
            for (Heap heap : all) {
                heap.drainRemoteFrees();
            }
        }
    }

    void unlockAll() {
        List<Heap> all = all(); // unchanged since lockAll: the registry is held
        for (int i = all.size() - 1; i >= 0; i--) {
            all.get(i).lock.releaseExcludingOwner();
        }
        threadHeaps.unlock();
    }

    /** Runs {@code action} on each heap in turn, under its lock with its owner kept out. */
    void eachExcludingOwner(Consumer<Heap> action) {
        for (Heap heap : all()) {
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
        for (Heap heap : all()) {
            heap.lock.retire();
            heap.releaseAll();
        }
    }

    /** How many times heaps were biased, and how many biases were revoked (read with every heap held). */
    long[] biasGrantsAndRevocations() {
        lockAll(false);
        try {
            long grants = 0;
            long revocations = 0;
            for (Heap heap : all()) {
                grants += heap.lock.grants();
                revocations += heap.lock.revocations();
            }
            return new long[] {grants, revocations};
        } finally {
            unlockAll();
        }
    }
}
