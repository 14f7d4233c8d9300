package org.jpymalloc;

import java.util.HashSet;
import java.util.Set;

/**
 * The whole-heap invariant walk ({@code checkInvariants()}, as mimalloc's {@code mi_heap_is_valid}):
 * O(blocks), for tests and debugging, never on a hot path. Each broken invariant throws
 * {@link IllegalStateException} naming the arena, pool or block.
 *
 * <ul>
 *   <li>every pool with blocks has a valid class, its arena's index, and as many live bits as its count;
 *       its free list stays inside it, on block boundaries, over blocks that are not live; free + live +
 *       uncarved blocks make {@code blocksPerPool};</li>
 *   <li>a pool is on its class's used list if and only if it has blocks and a free block;</li>
 *   <li>an arena's empty pools are exactly its free-pool list, and empty plus virgin pools make its
 *       {@code freePoolCount}; it is usable if and only if that count is positive;</li>
 *   <li>the arena map finds each arena at its first and last byte and not just outside it.</li>
 * </ul>
 */
final class HeapInvariants {

    private final Heap heap;
    private final Geometry g;
    private final Set<Long> usedListPools = new HashSet<>();

    private HeapInvariants(Heap heap) {
        this.heap = heap;
        this.g = heap.geometry;
    }

    static void check(Heap heap) {
        new HeapInvariants(heap).run();
    }

    private void run() {
        for (int c = 0; c < g.sizeClassCount(); c++) {
            walkUsedList(c);
        }
        int usable = 0;
        int arenas = 0;
        for (MappedArena arena : heap.arenaTable()) {
            if (arena != null) {
                arenas++;
                usable += arena.freePoolCount > 0 ? 1 : 0;
                checkArena(arena);
            }
        }
        check(arenas == heap.arenaCount(), "arena table holds " + arenas + " arenas, counter says "
                + heap.arenaCount());
        int listed = heap.usableArenas().checkInvariants();
        check(listed == usable, listed + " arenas on the usable list, " + usable + " with free pools");
    }

    private void walkUsedList(int sizeClass) {
        long head = heap.usedPoolHead(sizeClass);
        int pools = 0;
        if (head != 0) {
            long pool = head;
            do {
                check(usedListPools.add(pool), "pool " + hex(pool) + " appears twice on used lists");
                check(PoolHeader.sizeClassIndex(pool) == sizeClass, "pool " + hex(pool) + " of class "
                        + PoolHeader.sizeClassIndex(pool) + " is on the list of class " + sizeClass);
                check(PoolHeader.prevPool(PoolHeader.nextPool(pool)) == pool, "broken used-list links at " + hex(pool));
                pool = PoolHeader.nextPool(pool);
                pools++;
            } while (pool != head);
        }
        check(pools == heap.usedPoolCount(sizeClass), "class " + sizeClass + " lists " + pools + " used pools, "
                + "its count says " + heap.usedPoolCount(sizeClass));
    }

    private void checkArena(MappedArena arena) {
        check(heap.arenaOf(arena.base) == arena && heap.arenaOf(arena.base + arena.byteSize - 1) == arena,
                "arena map does not find " + arena);
        check(heap.arenaOf(arena.base - 1) != arena && heap.arenaOf(arena.base + arena.byteSize) != arena,
                "arena map finds " + arena + " outside its range");
        Set<Long> emptyPools = freePoolList(arena);
        long liveBits = 0;
        long carved = (arena.nextVirginPool - arena.firstPool) / g.poolSize();
        for (long pool = arena.firstPool; pool < arena.nextVirginPool; pool += g.poolSize()) {
            int count = PoolHeader.count(pool);
            if (count == 0) {
                check(emptyPools.contains(pool), "empty pool " + hex(pool) + " is not on the free-pool list of " + arena);
                check(!usedListPools.contains(pool), "empty pool " + hex(pool) + " is on a used list");
            } else {
                checkPool(arena, pool, count);
                liveBits += count;
            }
        }
        long virgin = arena.totalPools - carved;
        check(emptyPools.size() + virgin == arena.freePoolCount, arena + " counts " + arena.freePoolCount
                + " free pools, has " + emptyPools.size() + " empty and " + virgin + " virgin");
        check(arena.liveBitsBetween(arena.base, arena.base + arena.byteSize) == liveBits,
                arena + " has live bits outside its live blocks");
    }

    private Set<Long> freePoolList(MappedArena arena) {
        Set<Long> pools = new HashSet<>();
        for (long pool = arena.freePools; pool != 0; pool = PoolHeader.nextPool(pool)) {
            check(pool >= arena.firstPool && pool < arena.nextVirginPool && (pool & (g.poolSize() - 1)) == 0,
                    "free-pool list of " + arena + " holds " + hex(pool));
            check(PoolHeader.count(pool) == 0, "pool " + hex(pool) + " on the free-pool list has blocks");
            check(pools.add(pool), "free-pool list of " + arena + " loops at " + hex(pool));
        }
        return pools;
    }

    private void checkPool(MappedArena arena, long pool, int count) {
        int sizeClass = PoolHeader.sizeClassIndex(pool);
        check(sizeClass >= 0 && sizeClass < g.sizeClassCount(), "pool " + hex(pool) + " has class " + sizeClass);
        check(PoolHeader.arenaIndex(pool) == arena.index, "pool " + hex(pool) + " names arena "
                + PoolHeader.arenaIndex(pool) + ", lies in " + arena);
        long blockSize = g.blockSize(sizeClass);
        long firstBlock = pool + g.poolHeaderSize();
        int carvedBlocks = (int) ((PoolHeader.nextOffset(pool) - g.poolHeaderSize()) / blockSize);
        int freeBlocks = 0;
        for (long b = PoolHeader.freeBlock(pool); b != 0; b = PoolHeader.nextFreeBlock(b)) {
            check(b >= firstBlock && b < pool + PoolHeader.nextOffset(pool) && (b - firstBlock) % blockSize == 0,
                    "free list of pool " + hex(pool) + " holds " + hex(b));
            check(!arena.isLive(b), "free block " + hex(b) + " is marked live");
            check(++freeBlocks <= carvedBlocks, "free list of pool " + hex(pool) + " loops");
        }
        check(count + freeBlocks == carvedBlocks, "pool " + hex(pool) + ": " + count + " live + " + freeBlocks
                + " free != " + carvedBlocks + " carved blocks");
        check(arena.liveBitsBetween(pool, pool + g.poolSize()) == count, "pool " + hex(pool) + " counts " + count
                + " blocks but has " + arena.liveBitsBetween(pool, pool + g.poolSize()) + " live bits");
        boolean full = PoolHeader.freeBlock(pool) == 0;
        check(full == (count == g.blocksPerPool(sizeClass)), "pool " + hex(pool) + " full=" + full + " with "
                + count + " of " + g.blocksPerPool(sizeClass) + " blocks");
        check(usedListPools.contains(pool) != full, "pool " + hex(pool) + (full ? " is full but on a used list"
                : " has free blocks but is on no used list"));
    }

    private static String hex(long address) {
        return "0x" + Long.toHexString(address);
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException("invariant broken: " + message);
        }
    }
}
