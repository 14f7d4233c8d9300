package org.jpymalloc;

import static org.jpymalloc.PoolHeader.freeBlock;
import static org.jpymalloc.PoolHeader.nextFreeBlock;

/**
 * A pool's free list, beyond taking and returning its head ({@link Heap}): setting a pool up for a class
 * with obmalloc's lazy carving, carving the next virgin block when the list runs out, and rebuilding a list
 * that a write after free corrupted.
 *
 * <pre>
 * pool: [ header | block 0 | block 1 | block 2 | ... virgin ...          | tail ]
 *                  ^handed out  ^freeBlock     ^nextOffset      maxNextOffset^
 * </pre>
 * A new pool hands out block 0 and links block 1; further blocks are carved one at a time ({@code
 * nextOffset}) only when the list is empty, so a pool touches no more of its memory than it has served.
 */
final class FreeLists {

    private FreeLists() {
    }

    /** Sets {@code pool} up for {@code sizeClass}: answers its first block and links the second. */
    static long init(MappedArena arena, long pool, int sizeClass, long blockSize, long headerSize, long poolSize) {
        PoolHeader.sizeClassIndex(pool, sizeClass);
        arena.poolClass[arena.poolIndex(pool)] = (byte) sizeClass;
        PoolHeader.nextOffset(pool, (int) (headerSize + 2 * blockSize));
        PoolHeader.maxNextOffset(pool, (int) (poolSize - blockSize));
        long first = pool + headerSize;
        freeBlock(pool, first + blockSize);
        nextFreeBlock(first + blockSize, 0);
        return first;
    }

    /** The free list ran out: carve the next virgin block, or the pool is full and leaves its class list. */
    static void extendOrRetire(Heap heap, long pool, int sizeClass, long blockSize) {
        int nextOffset = PoolHeader.nextOffset(pool);
        if (nextOffset <= PoolHeader.maxNextOffset(pool)) {
            long block = pool + nextOffset;
            freeBlock(pool, block);
            PoolHeader.nextOffset(pool, nextOffset + (int) blockSize);
            nextFreeBlock(block, 0);
        } else {
            heap.full(pool, sizeClass);
        }
    }

    /**
     * A pool's free list links to {@code badLink}: rebuilds the list from the live bits (every carved block
     * not live is free), so that the pool, and every live block in it, stays usable, and answers the
     * exception that reports it; nothing else changes. Blocks a program still writes after freeing them are
     * its own bug, as in C; the allocator's structures are not. Out of the hot path's way, so that the JIT
     * can inline that.
     *
     * @param span bytes from the pool's first block to the end of its last whole block
     */
    static IllegalStateException repair(Heap heap, MappedArena arena, long pool, long badLink, int sizeClass,
                                        long blockSize, long span) {
        long headerSize = heap.geometry.poolHeaderSize();
        long firstBlock = pool + headerSize;
        long head = 0;
        for (long b = pool + PoolHeader.nextOffset(pool) - blockSize; b >= firstBlock; b -= blockSize) {
            if (!arena.isLive(b)) {
                nextFreeBlock(b, head);
                head = b;
            }
        }
        freeBlock(pool, head);
        if (head == 0) {
            extendOrRetire(heap, pool, sizeClass, blockSize);
        }
        return new IllegalStateException("free list of pool 0x" + Long.toHexString(pool) + " is corrupt: it links"
                + " to 0x" + Long.toHexString(badLink) + ", which is not a free block of the pool (expected the start"
                + " of a free " + blockSize + "-byte block from 0x" + Long.toHexString(firstBlock) + " below 0x"
                + Long.toHexString(firstBlock + span) + "; was a block written after it was freed?). The list was"
                + " rebuilt from the live blocks; nothing was allocated.");
    }
}
