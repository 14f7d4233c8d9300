package org.jpymalloc;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static org.jpymalloc.PoolHeader.count;
import static org.jpymalloc.PoolHeader.freeBlock;
import static org.jpymalloc.PoolHeader.nextFreeBlock;
import static org.jpymalloc.PoolHeader.nextPool;
import static org.jpymalloc.PoolHeader.prevPool;

/**
 * All pymalloc state of one heap: the used pools of each size class, the arenas, the usable-arena order,
 * and the address-to-arena map it registers its arenas in. It hands out segments (slices of its arenas)
 * and frees block addresses; validating user input, thread rules and which segments may be freed are the
 * caller's job ({@link ConfinedAllocator}, {@link SharedAllocator}).
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
 * The class lists ({@code usedPools[c]} is the head) are circular and doubly linked through the pool
 * headers; allocation always takes from the head pool. A pool leaving "full" goes to the head (obmalloc's
 * "mimics LRU pool usage"), an empty pool to the front of its arena's free-pool list.
 *
 * <p>Hot path cost: an allocation from a used pool reads the class's head pool and its arena from two
 * Java arrays, reads and writes two header words, reads one block word and sets one live bit (checking
 * it was clear); a free finds the arena (the heap's last-arena cache, else the {@link ArenaMap}), tests and
 * clears the live bit, and writes two header words and the block's link.
 */
final class Heap {

    /**
     * Diagnostic only ({@code -Djpymalloc.unscopedSegmentsForMeasurement=true}): hand out global-scope
     * segments and skip the scope check in {@code free}, to measure what lifetime safety costs
     * (docs/benchmarks.md). It removes that safety: never for production use.
     */
    static final boolean UNSCOPED_FOR_MEASUREMENT = Boolean.getBoolean("jpymalloc.unscopedSegmentsForMeasurement");

    final Geometry geometry;
    /** Guards this heap and its arenas in a shared allocator; null in a confined one. */
    final StripeLock lock;
    /** Blocks other threads freed while this (shared) heap had an owner; null in a confined heap. */
    final RemoteFrees remoteFrees;
    private final long poolMask;
    private final long poolSize;
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
    private final long[] usedPools;
    /** Pools on each class's used list (kept on the Java heap: deciding a deferral reads no pool header). */
    private final int[] usedPoolCounts;
    /** The arena of each class's head pool, so that allocation need not read the pool's arena index. */
    private final MappedArena[] usedPoolArenas;
    private final UsableArenas usable;
    private final ArenaMap arenaMap;
    private final ArenaCounters counters;
    /** The allocator's memory limit and usage, shared by its heaps and system path. */
    final MemoryBudget budget;
    /** Requested and mapped bytes of this heap, with peaks (shared with the system path when confined). */
    final Usage usage;
    /**
     * Whether pool blocks' requested bytes are kept (slack bytes, running totals, peaks): an option, since
     * it costs the pair a fifth or more (docs/statistics.md). Off: statistics count whole blocks.
     */
    final boolean trackRequested;
    /** The arena found last by {@link #arenaOf}: most frees in a small heap hit it without hashing. */
    private MappedArena lastArena;
    private MappedArena[] arenas = new MappedArena[8];
    private int[] freeArenaSlots = new int[8];
    private int freeArenaSlotCount;
    private int arenaSlotsUsed;

    private int arenaCount;
    /** An emptied pool whose retirement is deferred ({@link #emptied}), its arena and class; 0 if none. */
    private long deferredPool;
    private MappedArena deferredArena;
    private int deferredClass;
    /** Whether emptied pools may be deferred; tests turn it off to compare with CPython's eager retirement. */
    boolean deferEmptyPools = true;
    /** Wholly free arenas CPython's policy released that stay mapped for a while ({@link RetainedArenas}). */
    private final RetainedArenas retained;

    /** A heap of its own, for a confined allocator. */
    Heap(Geometry geometry, ArenaRetention retention) {
        this(geometry, null, new ArenaMap(geometry), new ArenaCounters(), retention, MemoryBudget.unlimited(),
                new Usage(), false);
    }

    /**
     * A heap whose arenas register in {@code arenaMap} and count in {@code counters}, both possibly shared
     * with other heaps; a shared heap (one with a {@code lock}, else null) maps arenas with shared scopes.
     * Released arenas stay mapped for reuse as {@code retention} says ({@code maxArenas} 0: CPython's
     * policy exactly).
     */
    Heap(Geometry geometry, StripeLock lock, ArenaMap arenaMap, ArenaCounters counters, ArenaRetention retention,
         MemoryBudget budget, Usage usage, boolean trackRequested) {
        this.geometry = geometry;
        this.budget = budget;
        this.usage = usage;
        this.trackRequested = trackRequested;
        this.retained = new RetainedArenas(retention);
        this.lock = lock;
        this.remoteFrees = lock != null ? new RemoteFrees() : null;
        this.poolSize = geometry.poolSize();
        this.poolMask = poolSize - 1;
        this.headerSize = geometry.poolHeaderSize();
        this.alignmentMask = geometry.alignment() - 1;
        this.blockSizes = new long[geometry.sizeClassCount()];
        this.blockChecks = new long[2 * blockSizes.length];
        for (int c = 0; c < blockSizes.length; c++) {
            blockSizes[c] = geometry.blockSize(c);
            blockChecks[2 * c] = geometry.blocksPerPool(c) * blockSizes[c];
            blockChecks[2 * c + 1] = Long.divideUnsigned(-1L, blockSizes[c]) + 1;
        }
        this.usedPools = new long[geometry.sizeClassCount()];
        this.usedPoolArenas = new MappedArena[geometry.sizeClassCount()];
        this.usedPoolCounts = new int[geometry.sizeClassCount()];
        this.usable = new UsableArenas(geometry);
        this.arenaMap = arenaMap;
        this.counters = counters;
    }

    /**
     * Allocates a block of size class {@code sizeClass} and answers it as a segment of {@code byteSize}
     * bytes, a slice of its arena's scoped segment.
     */
    MemorySegment allocateSegment(int sizeClass, long byteSize) {
        long pool = usedPools[sizeClass];
        MappedArena arena = usedPoolArenas[sizeClass];
        long block = pool != 0 ? takeBlock(arena, pool, sizeClass) : allocateFromNewPool(sizeClass, byteSize);
        if (pool == 0) {
            arena = arenaOfPool(block & ~poolMask);
        }
        if (trackRequested) {
            recordRequested(arena, block, sizeClass, byteSize);
        }
        return UNSCOPED_FOR_MEASUREMENT
                ? MemorySegment.ofAddress(block).reinterpret(byteSize)
                : arena.segment.asSlice(block - arena.base, byteSize);
    }

    /**
     * {@link #allocateSegment} for the address API: the same block, without the segment. (Written out
     * rather than shared: each is the whole of its hot path, kept within the JIT's inlining budget.)
     */
    long allocateBlock(int sizeClass, long byteSize) {
        long pool = usedPools[sizeClass];
        MappedArena arena = usedPoolArenas[sizeClass];
        long block = pool != 0 ? takeBlock(arena, pool, sizeClass) : allocateFromNewPool(sizeClass, byteSize);
        if (trackRequested) {
            recordRequested(pool != 0 ? arena : arenaOfPool(block & ~poolMask), block, sizeClass, byteSize);
        }
        return block;
    }

    private void recordRequested(MappedArena arena, long block, int sizeClass, long byteSize) {
        arena.slack[arena.unitIndex(block)] = (byte) (blockSizes[sizeClass] - byteSize);
        usage.allocated(byteSize);
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
            throw repairFreeList(arena, pool, block, sizeClass);
        }
        long next = nextFreeBlock(block);
        freeBlock(pool, next);
        int count = count(pool);
        if (count == 0) {
            deferredPool = 0; // the only way here with an empty pool, besides a new pool: the deferred one, reused
        }
        count(pool, count + 1);
        if (next == 0) {
            extendOrRetire(pool, sizeClass);
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
            usage.freed(requestedBytesOf(arena, block, blockSizes[arena.poolClassOf(block)]));
        }
        long pool = block & ~poolMask;
        long last = freeBlock(pool);
        nextFreeBlock(block, last);
        freeBlock(pool, block);
        int count = count(pool) - 1;
        count(pool, count);
        if (last == 0) {
            // The pool was full; geometry guarantees two blocks per pool, so it is not empty now.
            pushUsed(arena, pool, arena.poolClassOf(block));
        } else if (count == 0) {
            emptied(arena, pool, arena.poolClassOf(block));
        }
        return true;
    }

    /**
     * A pool's last block was freed. CPython retires it at once (off its class list, to the front of its
     * arena's free pools, the arena re-sorted); when the class's next allocation would take it straight
     * back, the retirement is <em>deferred</em> instead (mimalloc retires pages with a delay): the pool stays
     * its class's current pool, and a program whose only block of a class comes and goes does not pay for
     * the pool's round trip on every pair. Exactly CPython's state is restored ({@link #settleDeferred})
     * before anything that could tell the difference.
     */
    private void emptied(MappedArena arena, long pool, int sizeClass) {
        settleDeferred();
        if (deferEmptyPools && retiresToHead(arena, sizeClass)) {
            deferredPool = pool;
            deferredArena = arena;
            deferredClass = sizeClass;
        } else {
            unlinkUsed(pool, sizeClass);
            retireEmptyPool(arena, pool);
        }
    }

    /**
     * Whether retiring {@code pool} now would make it the pool the next new-pool request takes, with
     * nothing else changed: it is its class's only used pool (so that class's next allocation asks for a
     * new pool), and its arena is the usable head and stays the head, unreleased, after one more free pool
     * (the arena after it on the usable list has another free-pool count, so no re-sort moves it, and it is
     * not a wholly free arena that CPython would release). Then CPython would take it straight back, from the
     * front of that arena's free pools, for the same class ("luckily", no re-initialisation).
     */
    private boolean retiresToHead(MappedArena arena, int sizeClass) {
        MappedArena next = arena.nextUsable;
        return usedPoolCounts[sizeClass] == 1 && usable.head() == arena
                && (next == null || next.freePoolCount != arena.freePoolCount
                        && arena.freePoolCount + 1 < arena.totalPools);
    }

    /**
     * Retires the deferred empty pool, if any, as CPython did when it emptied. Called before every
     * arena-level step (a pool emptied or taken, statistics, invariants, close): none ran since it was
     * deferred, so the result is exactly CPython's.
     */
    void settleDeferred() {
        long pool = deferredPool;
        if (pool != 0) {
            deferredPool = 0;
            unlinkUsed(pool, deferredClass);
            retireEmptyPool(deferredArena, pool);
            deferredArena = null;
        }
    }

    /** The arena owning {@code address} (this heap's or, in a shared map, another's), or null; never reads memory. */
    MappedArena arenaOf(long address) {
        MappedArena last = lastArena;
        if (last != null && last.contains(address)) {
            return last;
        }
        MappedArena found = arenaMap.lookup(address);
        if (found != null && found.heap == this) {
            lastArena = found;
        }
        return found;
    }

    /**
     * This heap's last-found arena if it holds {@code address}, else null; reads no lock. In a shared
     * allocator the answer may be stale (released since): callers check {@code mapped} under the lock.
     */
    MappedArena cachedArena(long address) {
        MappedArena last = lastArena;
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
     * pymalloc's realloc rule: a block stays in place when the new size still fits and wastes less than a
     * quarter of it ({@code newByteSize <= blockSize && 4 * newByteSize > 3 * blockSize}; 64 -> 49 stays,
     * 64 -> 48 moves).
     */
    private static boolean reallocatesInPlace(long blockSize, long newByteSize) {
        return newByteSize <= blockSize && 4 * newByteSize > 3 * blockSize;
    }

    /**
     * Applies pymalloc's realloc rule to a live block: true if it keeps its place with the new requested
     * size (and the accounting follows), false if it must move.
     */
    boolean resizeInPlace(MappedArena arena, long block, long blockSize, long newByteSize) {
        if (!reallocatesInPlace(blockSize, newByteSize)) {
            return false;
        }
        if (trackRequested) {
            recordResize(arena, block, blockSize, newByteSize);
        }
        return true;
    }

    private void recordResize(MappedArena arena, long block, long blockSize, long newByteSize) {
        usage.freed(requestedBytesOf(arena, block, blockSize));
        arena.slack[arena.unitIndex(block)] = (byte) (blockSize - newByteSize);
        usage.allocated(newByteSize);
    }

    /** The bytes requested for the live block at {@code block}: its size less its slack byte. */
    private static long requestedBytesOf(MappedArena arena, long block, long blockSize) {
        return blockSize - (arena.slack[arena.unitIndex(block)] & 0xFF);
    }

    /** Requested bytes of the live blocks of one pool of {@code arena}, from the live bits and slack bytes. */
    long requestedBytesOfPool(MappedArena arena, long pool, int sizeClass, int liveBlocks) {
        long size = blockSizes[sizeClass];
        if (!trackRequested) {
            return liveBlocks * size;
        }
        long total = 0;
        for (long block = pool + headerSize; block + size <= pool + poolSize; block += size) {
            if (arena.isLive(block)) {
                total += requestedBytesOf(arena, block, size);
            }
        }
        return total;
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

    /** The pool holding {@code block}. */
    long poolOf(long block) {
        return block & ~poolMask;
    }

    MappedArena arenaOfPool(long pool) {
        return arenas[PoolHeader.arenaIndex(pool)];
    }

    /** Unmaps every arena; every segment handed out becomes inaccessible. */
    void releaseAll() {
        deferredPool = 0;
        deferredArena = null;
        for (int i = 0; i < arenaSlotsUsed; i++) {
            MappedArena arena = arenas[i];
            if (arena != null) {
                arenaMap.remove(arena);
                arena.unmap();
                arenas[i] = null;
                counters.unmapped();
            }
        }
        retained.releaseAll();
        usable.clear();
        Arrays.fill(usedPools, 0);
        Arrays.fill(usedPoolArenas, null);
        Arrays.fill(usedPoolCounts, 0);
        lastArena = null;
        arenaCount = 0;
    }

    // ---- pools ----

    /**
     * {@code requested}: the caller's request, should a new arena be over the memory limit. Blocks other
     * threads freed are collected first (a shared heap): they may give the class a pool again.
     */
    private long allocateFromNewPool(int sizeClass, long requested) {
        if (collectRemoteFreesForAllocation() > 0 && usedPools[sizeClass] != 0) {
            return takeBlock(usedPoolArenas[sizeClass], usedPools[sizeClass], sizeClass);
        }
        settleDeferred();
        decayRetained();
        if (usable.isEmpty()) {
            usable.addFirstArena(newArena(requested));
        }
        MappedArena arena = usable.head();
        lastArena = arena;
        long pool = arena.freePools;
        if (pool != 0) {
            arena.freePools = nextPool(pool);
        } else {
            pool = arena.nextVirginPool;
            arena.nextVirginPool += poolSize;
            PoolHeader.arenaIndex(pool, arena.index);
            PoolHeader.sizeClassIndex(pool, PoolHeader.NO_SIZE_CLASS);
        }
        usable.decrementHead();
        pushUsed(arena, pool, sizeClass);
        if (PoolHeader.sizeClassIndex(pool) == sizeClass) {
            // The pool last served this class: its free list is still in order (obmalloc's "luckily").
            // An emptied pool holds at least two free blocks, so taking one leaves the list non-empty.
            count(pool, 0);
            return takeBlock(arena, pool, sizeClass);
        }
        count(pool, 1);
        long block = initPool(arena, pool, sizeClass);
        arena.markLive(block);
        return block;
    }

    /** Sets a pool up for a class: hands out the first block and links the second, carving lazily. */
    private long initPool(MappedArena arena, long pool, int sizeClass) {
        long size = blockSizes[sizeClass];
        PoolHeader.sizeClassIndex(pool, sizeClass);
        arena.poolClass[arena.poolIndex(pool)] = (byte) sizeClass;
        PoolHeader.nextOffset(pool, (int) (headerSize + 2 * size));
        PoolHeader.maxNextOffset(pool, (int) (poolSize - size));
        long first = pool + headerSize;
        freeBlock(pool, first + size);
        nextFreeBlock(first + size, 0);
        return first;
    }

    /** The free list ran out: carve the next virgin block, or the pool is full and leaves its list. */
    private void extendOrRetire(long pool, int sizeClass) {
        int nextOffset = PoolHeader.nextOffset(pool);
        if (nextOffset <= PoolHeader.maxNextOffset(pool)) {
            long block = pool + nextOffset;
            freeBlock(pool, block);
            PoolHeader.nextOffset(pool, nextOffset + (int) blockSizes[sizeClass]);
            nextFreeBlock(block, 0);
        } else {
            unlinkUsed(pool, sizeClass);
        }
    }

    private void retireEmptyPool(MappedArena arena, long pool) {
        nextPool(pool, arena.freePools);
        arena.freePools = pool;
        if (usable.increment(arena)) {
            releaseArena(arena);
        } else {
            decayRetained();
        }
    }

    /** Gives back retained arenas whose decay time has passed; a pool-level event, so off the hot path. */
    private void decayRetained() {
        if (!retained.isEmpty()) {
            retained.decay(System.nanoTime());
        }
    }

    /** Gives every retained arena back to the OS now; answers how many. */
    int trim() {
        return retained.releaseAll();
    }

    /**
     * A pool's free list links to {@code badLink}: rebuilds the list from the live bits (every carved
     * block not live is free), so that the pool, and every live block in it, stays usable, and answers the
     * exception that reports it; nothing else changes. Blocks a program still writes after freeing them
     * are its own bug, as in C; the allocator's structures are not. Kept out of line: the hot path stays
     * small enough for the JIT to inline it.
     */
    private IllegalStateException repairFreeList(MappedArena arena, long pool, long badLink, int sizeClass) {
        long size = blockSizes[sizeClass];
        long firstBlock = pool + headerSize;
        long head = 0;
        for (long b = pool + PoolHeader.nextOffset(pool) - size; b >= firstBlock; b -= size) {
            if (!arena.isLive(b)) {
                nextFreeBlock(b, head);
                head = b;
            }
        }
        freeBlock(pool, head);
        if (head == 0) {
            extendOrRetire(pool, sizeClass);
        }
        return corruptFreeList(pool, badLink, sizeClass);
    }

    private IllegalStateException corruptFreeList(long pool, long block, int sizeClass) {
        return new IllegalStateException("free list of pool 0x" + Long.toHexString(pool) + " is corrupt: it links"
                + " to 0x" + Long.toHexString(block) + ", which is not a free block of the pool (expected the start of"
                + " a free " + blockSizes[sizeClass] + "-byte block from 0x" + Long.toHexString(pool + headerSize)
                + " below 0x" + Long.toHexString(pool + headerSize + blockChecks[2 * sizeClass]) + "; was a block written"
                + " after it was freed?). The list was rebuilt from the live blocks; nothing was allocated.");
    }

    private void pushUsed(MappedArena arena, long pool, int sizeClass) {
        usedPoolCounts[sizeClass]++;
        long head = usedPools[sizeClass];
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
        usedPools[sizeClass] = pool;
        usedPoolArenas[sizeClass] = arena;
    }

    private void unlinkUsed(long pool, int sizeClass) {
        usedPoolCounts[sizeClass]--;
        long next = nextPool(pool);
        if (next == pool) {
            usedPools[sizeClass] = 0;
            usedPoolArenas[sizeClass] = null;
            return;
        }
        long prev = prevPool(pool);
        nextPool(prev, next);
        prevPool(next, prev);
        if (usedPools[sizeClass] == pool) {
            usedPools[sizeClass] = next;
            usedPoolArenas[sizeClass] = arenaOfPool(next);
        }
    }

    // ---- arenas ----

    private MappedArena newArena(long requested) {
        int index = freeArenaSlotCount > 0 ? freeArenaSlots[--freeArenaSlotCount] : arenaSlotsUsed++;
        if (index >= arenas.length) {
            arenas = Arrays.copyOf(arenas, arenas.length * 2);
        }
        MappedArena arena;
        try {
            if (!retained.isEmpty()) {
                arena = retained.takeNewest();
                arena.resetForReuse(index);
            } else {
                arena = MappedArena.map(this, index, lock != null, requested);
            }
        } catch (MemoryLimitError e) {
            releaseSlot(index);
            throw e;
        } catch (NativeMemory.NativeCallException e) {
            releaseSlot(index);
            throw new OutOfMemoryError("cannot map a new " + geometry.arenaSize() + "-byte arena: "
                    + e.getMessage() + "; " + counters.current() + " arenas are mapped");
        }
        arenas[index] = arena;
        arenaMap.add(arena);
        arenaCount++;
        counters.mapped();
        return arena;
    }

    private void releaseArena(MappedArena arena) {
        arenaMap.remove(arena);
        arenas[arena.index] = null;
        releaseSlot(arena.index);
        if (lastArena == arena) {
            lastArena = null;
        }
        arenaCount--;
        counters.unmapped();
        retained.retain(arena, System.nanoTime());
    }

    private void releaseSlot(int index) {
        if (freeArenaSlotCount == freeArenaSlots.length) {
            freeArenaSlots = Arrays.copyOf(freeArenaSlots, freeArenaSlots.length * 2);
        }
        freeArenaSlots[freeArenaSlotCount++] = index;
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
        for (int i = 0; i < arenaSlotsUsed; i++) {
            MappedArena arena = arenas[i];
            if (arena == null) {
                continue;
            }
            visitor.arena(arena);
            for (long pool = arena.firstPool; pool < arena.nextVirginPool; pool += poolSize) {
                int count = count(pool);
                if (count > 0) {
                    int sizeClass = PoolHeader.sizeClassIndex(pool);
                    visitor.pool(arena, pool, sizeClass, count, freeBlock(pool) == 0);
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
        return arenaCount;
    }

    /** Released arenas kept mapped for reuse. */
    int spareCount() {
        return retained.count();
    }

    ArenaCounters counters() {
        return counters;
    }

    /** Pools on the class's used list, as counted on the Java heap; for invariant checks. */
    int usedPoolCount(int sizeClass) {
        return usedPoolCounts[sizeClass];
    }

    long usedPoolHead(int sizeClass) {
        settleDeferred();
        return usedPools[sizeClass];
    }

    UsableArenas usableArenas() {
        settleDeferred();
        return usable;
    }


    MappedArena[] arenaTable() {
        settleDeferred();
        return Arrays.copyOf(arenas, arenaSlotsUsed);
    }
}
