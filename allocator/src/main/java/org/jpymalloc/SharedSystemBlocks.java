package org.jpymalloc;

import java.lang.foreign.MemorySegment;

/**
 * A shared allocator's blocks over the threshold (pymalloc's system path): every heap, stripe or thread
 * heap, has a {@link SystemPath} of its own under the heap's guard. A block comes from the caller's own
 * heap's path; a free or a resize from any thread finds the block's heap through {@link
 * Stripes#systemOwnerOf} and works in that heap's path, as its owner or under its lock (docs/design.md,
 * "Shared mode", "System path").
 *
 * <pre>
 *  allocate ──► the caller's stripe (or thread heap): as owner, or lock ─► its SystemPath
 *  free ──► the caller's stripe's path, if it holds the block; else the index ─► the block's heap's path
 *  resize ──► the index ─► the block's heap's path (the block stays that heap's)
 * </pre>
 */
final class SharedSystemBlocks {

    private final SharedAllocator shared;
    private final Stripes stripes;
    private final long alignment;

    SharedSystemBlocks(SharedAllocator shared, Stripes stripes, long alignment) {
        this.shared = shared;
        this.stripes = stripes;
        this.alignment = alignment;
    }

    /** A block from {@code mine}'s own path, {@code mine} entered as its owner or under its lock. */
    MemorySegment allocate(Heap mine, Thread me, long byteSize, long byteAlignment, boolean zeroed) {
        StripeLock.Owner owner = shared.enter(mine, me);
        try {
            return mine.systemPath().allocate(byteSize, byteAlignment, alignment, zeroed);
        } finally {
            SharedAllocator.leave(mine, me, owner);
        }
    }

    /**
     * A block for a thread heap's holder from its heap's own path, under the heap's lock (the holder is
     * kept out, or the lock has no bias): the holder's handshake-free way is its own.
     */
    MemorySegment allocateLocked(Heap heap, Thread me, long byteSize, long byteAlignment, boolean zeroed) {
        shared.lockOpen(heap, me);
        try {
            return heap.systemPath().allocate(byteSize, byteAlignment, alignment, zeroed);
        } finally {
            heap.lock.unlock(me);
        }
    }

    /**
     * A block over the threshold (or no block at all): the caller's stripe's own path first (as its owner,
     * no atomic instruction, when the stripe is biased to the caller), else the path of the heap {@link
     * Stripes#systemOwnerOf} names, under its guard (as its owner, or under its lock, keeping the owner
     * out), else rejected.
     */
    void free(Heap mine, MemorySegment segment, long address, Thread me) {
        if (segment != null) {
            Checks.requireNative(segment);
        }
        if (freeInOwnPath(mine, segment, address, me)) {
            return;
        }
        Heap heap = stripes.systemOwnerOf(address);
        if (heap == null) {
            throw notLive(segment, address);
        }
        StripeLock.Owner owner = shared.enter(heap, me);
        try {
            if (!heap.systemPath().freeIfLive(segment, address)) { // freed meanwhile by another thread
                throw SystemPath.notLive(segment, address);
            }
        } finally {
            SharedAllocator.leave(heap, me, owner);
        }
    }

    /**
     * The resize, for {@link SharedReallocation}: in the path of the block's heap ({@link
     * Stripes#systemOwnerOf}), under its guard; the block stays that heap's.
     */
    MemorySegment reallocate(MemorySegment segment, long address, long newByteSize) {
        if (segment != null) {
            Checks.requireNative(segment);
        }
        Heap heap = stripes.systemOwnerOf(address);
        if (heap == null) {
            throw notLive(segment, address);
        }
        Thread me = Thread.currentThread();
        StripeLock.Owner owner = shared.enter(heap, me);
        try {
            SystemPath path = heap.systemPath();
            return path.reallocate(path.liveBlock(segment, address), newByteSize);
        } finally {
            SharedAllocator.leave(heap, me, owner);
        }
    }

    /**
     * Why no path holds the block: the allocator is closed ({@link IllegalStateException}, checked under a
     * lock, as every call after close reports), or it is not a live block.
     */
    private RuntimeException notLive(MemorySegment segment, long address) {
        shared.checkOpenLocked();
        return SystemPath.notLive(segment, address);
    }

    /** With {@code heap} entered as {@link SharedAllocator#enter} does: frees the block if its path holds it live. */
    private boolean freeInOwnPath(Heap heap, MemorySegment segment, long address, Thread me) {
        StripeLock.Owner owner = shared.enter(heap, me);
        try {
            return heap.systemPath().freeIfLive(segment, address);
        } finally {
            SharedAllocator.leave(heap, me, owner);
        }
    }
}
