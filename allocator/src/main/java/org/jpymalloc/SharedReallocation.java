package org.jpymalloc;

import java.lang.foreign.MemorySegment;

/**
 * pymalloc's realloc in a shared allocator, where the block's heap may be any thread's: the block is
 * checked and, when it fits, resized in place with its heap held (as owner or under the lock); otherwise
 * it moves with no heap held, since no path holds two: a new block from {@code via} (the shared allocator
 * or the caller's thread heap), a copy, then the old block freed through {@code via}.
 */
final class SharedReallocation {

    private SharedReallocation() {
    }

    /**
     * @param arena the arena holding {@code address}, or null (a system-path block, or no block at all)
     * @param segment the caller's segment, or null for the address API (then only the address is checked)
     */
    static MemorySegment reallocate(SharedAllocator shared, MappedArena arena, MemorySegment segment, long address,
                                    long newByteSize, PyMalloc via) {
        Checks.newSize(newByteSize);
        if (arena == null) {
            return shared.systemBlocks.reallocate(segment, address, newByteSize);
        }
        long blockSize;
        Heap heap = arena.heap;
        Thread me = Thread.currentThread();
        StripeLock.Owner owner = shared.enter(heap, me);
        try {
            if (!SharedAllocator.isOf(arena, segment) || !arena.mapped || !heap.isLiveBlock(arena, address)
                    || arena.isRemotePending(address)) {
                throw BlockDiagnosis.notALiveBlock(segment, address, arena);
            }
            blockSize = heap.blockSize(address);
            if (heap.resizeInPlace(arena, address, blockSize, newByteSize)) {
                return arena.segment.asSlice(address - arena.base, newByteSize);
            }
        } finally {
            SharedAllocator.leave(heap, me, owner);
        }
        return move(arena, segment, address, blockSize, newByteSize, via);
    }

    /**
     * The old block is read through its arena's scoped segment: should the caller race this with a free of
     * the same block and the arena be unmapped (or the allocator closed), the read throws
     * {@link IllegalStateException} instead of reaching unmapped memory, and the free then reports the race.
     */
    private static MemorySegment move(MappedArena arena, MemorySegment segment, long address, long blockSize,
                                      long newByteSize, PyMalloc via) {
        MemorySegment moved = via.allocate(newByteSize, 1);
        try {
            MemorySegment.copy(arena.segment, address - arena.base, moved, 0, Math.min(blockSize, newByteSize));
        } catch (IllegalStateException raced) {
            try {
                via.free(moved);
            } catch (RuntimeException closed) {
                raced.addSuppressed(closed);
            }
            throw raced;
        }
        try {
            if (segment != null) {
                via.free(segment);
            } else {
                via.freeAddress(address);
            }
        } catch (IllegalArgumentException racedWithAnotherFree) {
            via.free(moved);
            throw racedWithAnotherFree;
        }
        return moved;
    }
}
