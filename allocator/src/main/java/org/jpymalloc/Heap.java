package org.jpymalloc;

import java.lang.foreign.MemorySegment;

import static org.jpymalloc.PoolHeader.count;
import static org.jpymalloc.PoolHeader.freeBlock;
import static org.jpymalloc.PoolHeader.nextFreeBlock;

/**
 * The pymalloc state of one heap: blocks taken from and freed to pools, the used pools of each class
 * ({@link UsedPools}), the usable-arena order of its {@link ArenaPolicy} ({@link UsableArenas}) and its arenas ({@link ArenaTable}). It
 * hands out blocks (as addresses or as slices of their arenas' segments) and frees block addresses;
 * validating user input, thread rules and which segments may be freed are the caller's job
 * ({@link ConfinedAllocator}, {@link SharedAllocator}).
 *
 * <p>Pool states, as in obmalloc:
 * <pre>
 *             first block                    last free block taken
 *   empty ------------------> used ------------------------------> full
 *   (arena's freePools)      (class list)  <----------------------  (no list)
 *        ^                       |          a block freed: front of
 *        +-----------------------+          the class list
 *             last block freed
 * </pre>
 * Allocation always takes from the head pool of its class. A pool leaving "full" goes to the head, an empty
 * pool to the front of its arena's free pools (or, while CPython would take it straight back, stays put:
 * {@link PoolRetirement}).
 *
 * <p>Hot path cost: an allocation from a used pool reads the class's head pool and its arena from two
 * Java arrays, reads and writes two header words, reads one block word and sets one live bit (checking
 * it was clear); a free finds the arena (the last-arena cache, else the {@link ArenaMap}), tests and
 * clears the live bit, and writes two header words and the block's link.
 */
final class Heap {

    final Geometry geometry;
    /** Guards this heap and its arenas in a shared allocator; null in a confined one. */
    final StripeLock lock;
    /** Blocks other threads freed while this (shared) heap had an owner; null in a confined heap. */
    final RemoteFrees remoteFrees;
    private final long poolMask;
    private final long headerSize;
    private final long alignmentMask;
    private final long[] blockSizes;
    /**
     * Per class {@code c}, at {@code 2c}: bytes from a pool's first block to the end of its last whole
     * block; at {@code 2c + 1}: Lemire's divisibility constant {@code ceil(2^64 / blockSize)}, with which an
     * offset {@code n < 2^32} is a multiple of the block size exactly when {@code n * constant <= constant
     * - 1}, unsigned. A multiply instead of a division proves a free-list link is a block boundary
     * (takeBlock); one array, so one bounds check.
     */
    private final long[] blockChecks;
    private final UsedPools used;
    private final long[] usedHeads;
    private final MappedArena[] usedHeadArenas;
    private final UsableArenas usable;
    private final ArenaTable arenas;
    /**
     * The arena a pool was last taken from or a block last freed in: most frees in a small heap hit it
     * without hashing. Here rather than in the {@link ArenaTable}: a free reaches it one dependent load
     * sooner, which a shared heap's owner, whose handshake makes it reload the heap's fields, pays at every
     * free. Forgotten when its arena is released ({@link #forget}).
     */
    private MappedArena lastFound;
    /** Requested and mapped bytes of this heap, with peaks (shared with the system path when confined). */
    final Usage usage;
    /**
     * Whether pool blocks' requested bytes are kept ({@link RequestedBytes}): an option, since it costs the
     * pair a fifth or more (docs/statistics.md). Off: statistics count whole blocks.
     */
    final boolean trackRequested;
    private final RequestedBytes requested;
    /** What happens to a pool whose last block was freed: retired, or retired later (deferred). */
    final PoolRetirement retirement;
    /**
     * A thread heap's own system path ({@link #ownSystemPath}), guarded as the pools are; null for a
     * confined heap and a stripe, whose requests over the threshold go to their allocator's path.
     */
    private SystemPath system;

    /** A heap of its own, for a confined allocator. */
    Heap(Geometry geometry, ArenaRetention retention) {
        this(geometry, retention, ArenaPolicy.CPYTHON);
    }

    /** A heap of its own under an arena policy, for a confined allocator. */
    Heap(Geometry geometry, ArenaRetention retention, ArenaPolicy policy) {
        this(geometry, null, new ArenaMap(geometry), new ArenaCounters(geometry), retention, policy,
                MemoryBudget.unlimited(), new Usage(), false);
    }

    /**
     * A heap whose arenas register in {@code arenaMap} and count in {@code counters}, both possibly shared
     * with other heaps; a shared heap (one with a {@code lock}, else null) maps arenas with shared scopes.
     * Released arenas stay mapped for reuse as {@code retention} says ({@code maxArenas} 0: CPython's
     * policy exactly); new pools come from the arena {@code policy} ranks first.
     */
    Heap(Geometry geometry, StripeLock lock, ArenaMap arenaMap, ArenaCounters counters, ArenaRetention retention,
         ArenaPolicy policy, MemoryBudget budget, Usage usage, boolean trackRequested) {
        this.geometry = geometry;
        this.lock = lock;
        this.remoteFrees = lock != null ? new RemoteFrees() : null;
        this.usage = usage;
        this.trackRequested = trackRequested;
        this.poolMask = geometry.poolSize() - 1;
        this.headerSize = geometry.poolHeaderSize();
        this.alignmentMask = geometry.alignment() - 1;
        this.blockSizes = new long[geometry.sizeClassCount()];
        this.blockChecks = new long[2 * blockSizes.length];
        for (int c = 0; c < blockSizes.length; c++) {
            blockSizes[c] = geometry.blockSize(c);
            blockChecks[2 * c] = geometry.blocksPerPool(c) * blockSizes[c];
            blockChecks[2 * c + 1] = Long.divideUnsigned(-1L, blockSizes[c]) + 1;
        }
        this.requested = new RequestedBytes(geometry, blockSizes, usage);
        this.arenas = new ArenaTable(geometry, lock != null, arenaMap, counters, budget, usage, retention);
        this.used = new UsedPools(geometry.sizeClassCount(), arenas);
        this.usedHeads = used.heads;
        this.usedHeadArenas = used.headArenas;
        this.usable = UsableArenas.of(policy, geometry);
        this.retirement = new PoolRetirement(used, usable, arenas);
    }

    /**
     * Allocates a block of size class {@code sizeClass} and answers it as a segment of {@code byteSize}
     * bytes, a slice of its arena's scoped segment.
     */
    MemorySegment allocateSegment(int sizeClass, long byteSize) {
        long pool = usedHeads[sizeClass];
        MappedArena arena = usedHeadArenas[sizeClass];
        long block = pool != 0 ? takeBlock(arena, pool, sizeClass) : allocateFromNewPool(sizeClass, byteSize);
        if (pool == 0) {
            arena = arenaOfPool(block & ~poolMask);
        }
        if (trackRequested) {
            requested.allocated(arena, block, sizeClass, byteSize);
        }
        return arena.segment.asSlice(block - arena.base, byteSize);
    }

    /**
     * {@link #allocateSegment} for the address API: the same block, without the segment. (Written out
     * rather than shared: each is the whole of its hot path, kept within the JIT's inlining budget.)
     */
    long allocateBlock(int sizeClass, long byteSize) {
        long pool = usedHeads[sizeClass];
        MappedArena arena = usedHeadArenas[sizeClass];
        long block = pool != 0 ? takeBlock(arena, pool, sizeClass) : allocateFromNewPool(sizeClass, byteSize);
        if (trackRequested) {
            requested.allocated(pool != 0 ? arena : arenaOfPool(block & ~poolMask), block, sizeClass, byteSize);
        }
        return block;
    }

    /**
     * Takes the head of a used pool's free list. Five accesses to pool memory (free-list head, its link,
     * count) and one live bit: the fewer, the more of a caller's JIT inlining budget is left (each
     * memory access through the FFM API inlines a deep tree of checks; docs/design.md, "Performance
     * notes").
     *
     * <p>A free block's first word is user-writable once the block is freed, so a write after free
     * could aim the list anywhere: the popped address must be the start of one of the pool's blocks
     * (inside its span, at a multiple of the block size: a multiply, see {@link #blockChecks}) that is
     * not live, or this throws instead of handing out memory the pool does not own. So a block handed out
     * never overlaps a pool header or another live block, and the allocator's own structures stay out of
     * the program's reach (docs/safety.md).
     */
    private long takeBlock(MappedArena arena, long pool, int sizeClass) {
        long block = freeBlock(pool);
        long offset = block - pool - headerSize;
        long magic = blockChecks[2 * sizeClass + 1];
        if (Long.compareUnsigned(offset, blockChecks[2 * sizeClass]) >= 0
                || Long.compareUnsigned(offset * magic, magic - 1) > 0 || !arena.markLive(block)) {
            throw FreeLists.repair(this, arena, pool, block, sizeClass, blockSizes[sizeClass],
                    blockChecks[2 * sizeClass]);
        }
        long next = nextFreeBlock(block);
        freeBlock(pool, next);
        int count = count(pool);
        if (count == 0) {
            retirement.forget(); // the deferred pool, handed a block again: CPython would have taken it back
        }
        count(pool, count + 1);
        if (next == 0) {
            FreeLists.extendOrRetire(this, pool, sizeClass, blockSizes[sizeClass]);
        }
        return block;
    }

    /**
     * Frees {@code block} if it is the start of a live block of {@code arena}: the live bit is tested and
     * cleared in one step. Answers false, having changed nothing, if it is not (double free, interior or
     * unaligned address, a pool header, a block another thread freed that waits to be collected...).
     */
    boolean free(MappedArena arena, long block) {
        if ((block & alignmentMask) != 0 || !arena.markFree(block)) {
            return false;
        }
        if (trackRequested) {
            requested.freed(arena, block, blockSizes[arena.poolClassOf(block)]);
        }
        long pool = block & ~poolMask;
        long last = freeBlock(pool);
        nextFreeBlock(block, last);
        freeBlock(pool, block);
        int count = count(pool) - 1;
        count(pool, count);
        if (last == 0) {
            // The pool was full; geometry guarantees two blocks per pool, so it is not empty now.
            used.push(arena, pool, arena.poolClassOf(block));
        } else if (count == 0) {
            if (pool == retirement.armedPool) {
                retirement.deferredPool = pool; // the armed pool emptied again: deferred again (PoolRetirement)
            } else {
                retirement.emptied(arena, pool);
            }
        }
        return true;
    }

    /** Carries out a deferred pool retirement before an arena-level step ({@link PoolRetirement}). */
    void settleDeferred() {
        retirement.settle();
    }

    /**
     * The arena owning {@code address} (this heap's or, in a shared map, another's), or null; never reads
     * memory. The last-found arena first, else the arena map, remembering an arena of this heap.
     */
    MappedArena arenaOf(long address) {
        MappedArena last = lastFound;
        if (last != null && last.contains(address)) {
            return last;
        }
        MappedArena found = arenas.lookup(address);
        if (found != null && found.heap == this) {
            lastFound = found;
        }
        return found;
    }

    /**
     * With the heap held: makes {@code arena}, a mapped arena of this heap, the one {@link #arenaOf} and
     * {@link #cachedArena} try first. Releasing it forgets it.
     */
    void remember(MappedArena arena) {
        lastFound = arena;
    }

    /** With the heap held: {@code arena} is being released ({@link ArenaTable#release}); not the last found any more. */
    void forget(MappedArena arena) {
        if (lastFound == arena) {
            lastFound = null;
        }
    }

    /**
     * This heap's last-found arena if it holds {@code address}, else null; reads no lock. To a thread that
     * holds the heap (its owner entered, or its lock) the answer is current: an arena is forgotten when it
     * is released. Read without holding it, in a shared allocator, it may be stale (released since), and
     * callers check {@code mapped} once they hold the heap.
     */
    MappedArena cachedArena(long address) {
        MappedArena last = lastFound;
        return last != null && last.contains(address) ? last : null;
    }

    /** True when {@code address} is the start of a live block of {@code arena}. */
    boolean isLiveBlock(MappedArena arena, long address) {
        return (address & alignmentMask) == 0 && arena.isLive(address);
    }

    long blockSize(long block) {
        return blockSizes[PoolHeader.sizeClassIndex(block & ~poolMask)];
    }

    /**
     * Applies pymalloc's realloc rule to a live block: it keeps its place when the new size still fits and
     * wastes less than a quarter of it ({@code newByteSize <= blockSize && 4 * newByteSize > 3 * blockSize};
     * 64 -> 49 stays, 64 -> 48 moves). True if it stays (and the accounting follows), false if it must move.
     */
    boolean resizeInPlace(MappedArena arena, long block, long blockSize, long newByteSize) {
        if (newByteSize > blockSize || 4 * newByteSize <= 3 * blockSize) {
            return false;
        }
        if (trackRequested) {
            requested.resized(arena, block, blockSize, newByteSize);
        }
        return true;
    }

    /** Requested bytes of the live blocks of one pool of {@code arena} (whole blocks when not tracked). */
    long requestedBytesOfPool(MappedArena arena, long pool, int sizeClass, int liveBlocks) {
        return trackRequested ? requested.ofPool(arena, pool, sizeClass) : liveBlocks * blockSizes[sizeClass];
    }

    /**
     * Returns the blocks other threads freed to their pools; with the heap held. How many were freed. A
     * corrupt link found is logged and kept for {@link #collectRemoteFreesForAllocation()} to report.
     */
    int drainRemoteFrees() {
        return remoteFrees == null || remoteFrees.isEmpty() ? 0 : remoteFrees.drainInto(this);
    }

    /**
     * {@link #drainRemoteFrees()} for an allocation, which then reports a corrupt link found now or by an
     * earlier drain, before it allocates anything.
     */
    int collectRemoteFreesForAllocation() {
        if (remoteFrees == null) {
            return 0;
        }
        int freed = drainRemoteFrees();
        remoteFrees.throwIfCorrupt();
        return freed;
    }

    MappedArena arenaOfPool(long pool) {
        return arenas.bySlot(PoolHeader.arenaIndex(pool));
    }

    /**
     * Gives this heap a system path of its own (a thread heap's: {@link Stripes}), once, before the heap is
     * published; it uses the heap's guard and {@link #usage}.
     */
    void ownSystemPath(SystemPath path) {
        if (system != null) {
            throw new IllegalStateException("heap already has a system path");
        }
        system = path;
    }

    /** This heap's own system path, or null (see {@link #ownSystemPath}). */
    SystemPath systemPath() {
        return system;
    }

    /**
     * Unmaps every arena and gives every block of its own system path back; every segment handed out
     * becomes inaccessible.
     */
    void releaseAll() {
        if (system != null) {
            system.freeAll();
        }
        retirement.clear();
        arenas.releaseAll();
        lastFound = null;
        usable.clear();
        used.clear();
    }

    /** Gives every retained arena back to the OS now; answers how many. */
    int trim() {
        return arenas.trim();
    }

    /** Gives the blocks cached by its own system path, if any, back to the C library now. */
    void trimSystemCache() {
        if (system != null) {
            system.trimCache();
        }
    }

    /**
     * A class needs a pool: {@code requested} is the caller's request, should a new arena be over the
     * memory limit. Blocks other threads freed are collected first (a shared heap): they may give the class
     * a pool again.
     */
    private long allocateFromNewPool(int sizeClass, long requested) {
        if (collectRemoteFreesForAllocation() > 0 && usedHeads[sizeClass] != 0) {
            return takeBlock(usedHeadArenas[sizeClass], usedHeads[sizeClass], sizeClass);
        }
        settleDeferred();
        arenas.decay();
        if (usable.isEmpty()) {
            usable.addFirstArena(arenas.acquire(this, requested));
        }
        MappedArena arena = usable.head();
        lastFound = arena;
        long pool = arena.takePool();
        usable.decrementHead();
        used.push(arena, pool, sizeClass);
        if (PoolHeader.sizeClassIndex(pool) == sizeClass) {
            // The pool last served this class: its free list is still in order (obmalloc's "luckily").
            // An emptied pool holds at least two free blocks, so taking one leaves the list non-empty.
            count(pool, 0);
            return takeBlock(arena, pool, sizeClass);
        }
        count(pool, 1);
        long block = FreeLists.init(arena, pool, sizeClass, blockSizes[sizeClass], headerSize, poolMask + 1);
        arena.markLive(block);
        return block;
    }

    /** A full pool leaves its class list (its free list ran out and no virgin block is left). */
    void full(long pool, int sizeClass) {
        used.unlink(pool, sizeClass);
    }

    // ---- observation ----

    /** Checks every invariant of the heap; see {@link HeapInvariants}. */
    void checkInvariants() {
        settleDeferred();
        HeapInvariants.check(this);
    }

    /** Walks every carved pool of every arena, like {@code _PyObject_DebugMallocStats}. */
    void visitPools(PoolVisitor visitor) {
        settleDeferred();
        long poolSize = poolMask + 1;
        for (MappedArena arena : arenas.snapshot()) {
            if (arena == null) {
                continue;
            }
            visitor.arena(arena);
            for (long pool = arena.firstPool; pool < arena.nextVirginPool; pool += poolSize) {
                int count = count(pool);
                if (count > 0) {
                    visitor.pool(arena, pool, PoolHeader.sizeClassIndex(pool), count, freeBlock(pool) == 0);
                }
            }
        }
    }

    interface PoolVisitor {
        void arena(MappedArena arena);

        void pool(MappedArena arena, long pool, int sizeClass, int liveBlocks, boolean full);
    }

    /** Arenas mapped by this heap now (retained arenas not included). */
    int arenaCount() {
        return arenas.count();
    }

    /** Released arenas kept mapped for reuse. */
    int spareCount() {
        return arenas.retainedCount();
    }

    ArenaCounters counters() {
        return arenas.counters();
    }

    /** Pools on the class's used list, as counted on the Java heap; for invariant checks. */
    int usedPoolCount(int sizeClass) {
        return used.count(sizeClass);
    }

    long usedPoolHead(int sizeClass) {
        settleDeferred();
        return usedHeads[sizeClass];
    }

    UsableArenas usableArenas() {
        settleDeferred();
        return usable;
    }

    MappedArena[] arenaTable() {
        settleDeferred();
        return arenas.snapshot();
    }
}
