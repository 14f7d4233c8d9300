package org.jpymalloc;

import java.util.Arrays;

import static org.jpymalloc.PoolHeader.count;
import static org.jpymalloc.PoolHeader.freeBlock;
import static org.jpymalloc.PoolHeader.nextFreeBlock;
import static org.jpymalloc.PoolHeader.nextPool;
import static org.jpymalloc.PoolHeader.prevPool;

/**
 * All pymalloc state of one allocator: the used pools of each size class, the arenas, the usable-arena
 * order and the address-to-arena map. Block addresses in, block addresses out; validating user input,
 * thread rules and segments are the caller's job ({@link ConfinedAllocator}).
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
 * <p>Hot path cost (why it is fast): an allocation from a used pool reads and writes three header words
 * and one block word and sets one bit; a free does the same plus the {@link ArenaMap} lookup.
 */
final class Heap {

    final Geometry geometry;
    private final boolean shared;
    private final long poolMask;
    private final long poolSize;
    private final long headerSize;
    private final long[] blockSizes;
    private final long[] usedPools;
    private final UsableArenas usable;
    private final ArenaMap arenaMap;
    private MappedArena[] arenas = new MappedArena[8];
    private int[] freeArenaSlots = new int[8];
    private int freeArenaSlotCount;
    private int arenaSlotsUsed;

    private long arenasAllocatedTotal;
    private int arenasCurrent;
    private int arenasHighwater;

    Heap(Geometry geometry, boolean shared) {
        this.geometry = geometry;
        this.shared = shared;
        this.poolSize = geometry.poolSize();
        this.poolMask = poolSize - 1;
        this.headerSize = geometry.poolHeaderSize();
        this.blockSizes = new long[geometry.sizeClassCount()];
        for (int c = 0; c < blockSizes.length; c++) {
            blockSizes[c] = geometry.blockSize(c);
        }
        this.usedPools = new long[geometry.sizeClassCount()];
        this.usable = new UsableArenas(geometry);
        this.arenaMap = new ArenaMap(geometry);
    }

    /** Allocates a block of size class {@code sizeClass}; answers its address. */
    long allocate(int sizeClass) {
        long pool = usedPools[sizeClass];
        if (pool == 0) {
            return allocateFromNewPool(sizeClass);
        }
        MappedArena arena = arenaOfPool(pool);
        long block = freeBlock(pool);
        long next = nextFreeBlock(block);
        checkFreeLink(arena, pool, block, next);
        freeBlock(pool, next);
        count(pool, count(pool) + 1);
        if (next == 0) {
            extendOrRetire(pool, sizeClass);
        }
        arena.markLive(block);
        return block;
    }

    /** Frees a block that {@link #isLiveBlock} approved. */
    void free(MappedArena arena, long block) {
        arena.markFree(block);
        long pool = block & ~poolMask;
        long last = freeBlock(pool);
        nextFreeBlock(block, last);
        freeBlock(pool, block);
        int count = count(pool) - 1;
        count(pool, count);
        if (last == 0) {
            // The pool was full; geometry guarantees two blocks per pool, so it is not empty now.
            pushUsed(pool, PoolHeader.sizeClassIndex(pool));
        } else if (count == 0) {
            unlinkUsed(pool, PoolHeader.sizeClassIndex(pool));
            retireEmptyPool(arena, pool);
        }
    }

    /** The arena owning {@code address}, or null; never reads memory. */
    MappedArena arenaOf(long address) {
        return arenaMap.lookup(address);
    }

    /** True when {@code address} is the start of a live block of {@code arena}. */
    boolean isLiveBlock(MappedArena arena, long address) {
        return (address & (geometry.alignment() - 1)) == 0 && arena.isLive(address);
    }

    long blockSize(long block) {
        return blockSizes[PoolHeader.sizeClassIndex(block & ~poolMask)];
    }

    int sizeClassOf(long block) {
        return PoolHeader.sizeClassIndex(block & ~poolMask);
    }

    MappedArena arenaOfPool(long pool) {
        return arenas[PoolHeader.arenaIndex(pool)];
    }

    /** Unmaps every arena; every segment handed out becomes inaccessible. */
    void releaseAll() {
        for (int i = 0; i < arenaSlotsUsed; i++) {
            MappedArena arena = arenas[i];
            if (arena != null) {
                arenaMap.remove(arena);
                arena.unmap();
                arenas[i] = null;
            }
        }
        usable.clear();
        Arrays.fill(usedPools, 0);
        arenasCurrent = 0;
    }

    // ---- pools ----

    private long allocateFromNewPool(int sizeClass) {
        if (usable.isEmpty()) {
            usable.addFirstArena(newArena());
        }
        MappedArena arena = usable.head();
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
        pushUsed(pool, sizeClass);
        count(pool, 1);
        long block;
        if (PoolHeader.sizeClassIndex(pool) == sizeClass) {
            // The pool last served this class: its free list is still in order (obmalloc's "luckily").
            block = freeBlock(pool);
            long next = nextFreeBlock(block);
            checkFreeLink(arena, pool, block, next);
            freeBlock(pool, next);
        } else {
            block = initPool(pool, sizeClass);
        }
        arena.markLive(block);
        return block;
    }

    /** Sets a pool up for a class: hands out the first block and links the second, carving lazily. */
    private long initPool(long pool, int sizeClass) {
        long size = blockSizes[sizeClass];
        PoolHeader.sizeClassIndex(pool, sizeClass);
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
        }
    }

    /**
     * A free block's first word is user-writable once the block is freed, so a write after free could
     * aim the list anywhere. A link must stay inside its pool's blocks, be aligned, and not be the start
     * of a live block; otherwise this throws instead of handing out (or writing to) memory the pool does
     * not own. It does not prove the link is a block boundary (that costs a division): it rules out a
     * JVM crash, and the debug hooks catch the rest.
     */
    private void checkFreeLink(MappedArena arena, long pool, long block, long next) {
        if (next != 0 && (Long.compareUnsigned(next - pool - headerSize, poolSize - headerSize) >= 0
                || (next & (geometry.alignment() - 1)) != 0 || arena.isLive(next))) {
            throw new IllegalStateException("free list of pool 0x" + Long.toHexString(pool)
                    + " is corrupt: free block 0x" + Long.toHexString(block) + " links to 0x"
                    + Long.toHexString(next) + " (was the block written after it was freed?)");
        }
    }

    private void pushUsed(long pool, int sizeClass) {
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
    }

    private void unlinkUsed(long pool, int sizeClass) {
        long next = nextPool(pool);
        if (next == pool) {
            usedPools[sizeClass] = 0;
            return;
        }
        long prev = prevPool(pool);
        nextPool(prev, next);
        prevPool(next, prev);
        if (usedPools[sizeClass] == pool) {
            usedPools[sizeClass] = next;
        }
    }

    // ---- arenas ----

    private MappedArena newArena() {
        int index = freeArenaSlotCount > 0 ? freeArenaSlots[--freeArenaSlotCount] : arenaSlotsUsed++;
        if (index >= arenas.length) {
            arenas = Arrays.copyOf(arenas, arenas.length * 2);
        }
        MappedArena arena;
        try {
            arena = MappedArena.map(index, geometry, shared);
        } catch (NativeMemory.NativeCallException e) {
            releaseSlot(index);
            throw new OutOfMemoryError("cannot map a new " + geometry.arenaSize() + "-byte arena: "
                    + e.getMessage() + "; " + arenasCurrent + " arenas are mapped");
        }
        arenas[index] = arena;
        arenaMap.add(arena);
        arenasAllocatedTotal++;
        arenasCurrent++;
        arenasHighwater = Math.max(arenasHighwater, arenasCurrent);
        return arena;
    }

    private void releaseArena(MappedArena arena) {
        arenaMap.remove(arena);
        arenas[arena.index] = null;
        releaseSlot(arena.index);
        arenasCurrent--;
        arena.unmap();
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
        HeapInvariants.check(this);
    }

    /** Walks every carved pool of every arena, like {@code _PyObject_DebugMallocStats}. */
    void visitPools(PoolVisitor visitor) {
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

    long arenasAllocatedTotal() {
        return arenasAllocatedTotal;
    }

    int arenasCurrent() {
        return arenasCurrent;
    }

    int arenasHighwater() {
        return arenasHighwater;
    }

    long usedPoolHead(int sizeClass) {
        return usedPools[sizeClass];
    }

    UsableArenas usableArenas() {
        return usable;
    }

    ArenaMap arenaMap() {
        return arenaMap;
    }

    MappedArena[] arenaTable() {
        return Arrays.copyOf(arenas, arenaSlotsUsed);
    }
}
