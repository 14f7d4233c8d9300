package org.jpymalloc;

import java.lang.foreign.MemorySegment;

/**
 * Says what an address inside an arena is, when a segment there cannot be freed: the slow path of
 * {@code free}, so it may read pool headers (the arena is known to be mapped and owned).
 */
final class BlockDiagnosis {

    private BlockDiagnosis() {
    }

    /**
     * With the arena's heap held, in a shared allocator: the exception for a free or reallocate of the
     * segment (or, when it is null, the address) that is not a live block of {@code arena}, saying what it is.
     */
    static IllegalArgumentException notALiveBlock(MemorySegment segment, long address, MappedArena arena) {
        String what;
        if (!arena.mapped) {
            what = "belongs to memory already freed: its arena was returned to the OS";
        } else if (arena.isRemotePending(address)) {
            what = "was already freed (double free): another thread freed it, and it waits to be collected";
        } else {
            what = segment != null ? describe(arena.heap, arena, segment) : describe(arena.heap, arena, address);
        }
        return segment != null ? Checks.badSegment(segment, what) : Checks.badAddress(address, what);
    }

    static String describe(Heap heap, MappedArena arena, MemorySegment segment) {
        if (arena.scope != segment.scope()) {
            return "lies in " + arena + " but does not belong to it (a segment of another allocator, or of an"
                    + " arena since unmapped whose address was reused)";
        }
        return describe(heap, arena, segment.address());
    }

    /** What {@code address} in {@code arena} is (the address API: there is no scope to compare). */
    static String describe(Heap heap, MappedArena arena, long address) {
        Geometry g = heap.geometry;
        long pool = address & -g.poolSize();
        if (pool < arena.firstPool || pool >= arena.nextVirginPool) {
            return "is not a block: it lies in the unused part of " + arena;
        }
        if (address - pool < g.poolHeaderSize()) {
            return "is not a block: it lies in the header of pool 0x" + Long.toHexString(pool);
        }
        if (PoolHeader.count(pool) == 0) {
            return "was already freed (double free): its pool 0x" + Long.toHexString(pool) + " is empty";
        }
        int sizeClass = PoolHeader.sizeClassIndex(pool);
        long blockSize = g.blockSize(sizeClass);
        long offset = (address - pool - g.poolHeaderSize()) % blockSize;
        long start = address - offset;
        if (offset == 0 && start - pool >= PoolHeader.nextOffset(pool)) {
            return "is not a block handed out: the pool has not carved the block at this address yet";
        }
        if (offset == 0) {
            return "was already freed (double free): a free block of size class " + sizeClass + " ("
                    + blockSize + " bytes)";
        }
        return "is an interior address: " + offset + " bytes into the " + (arena.isLive(start) ? "live" : "free")
                + " block at 0x" + Long.toHexString(start) + " of size class " + sizeClass + " (" + blockSize
                + " bytes)";
    }
}
