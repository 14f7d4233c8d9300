package org.jpymalloc;

import java.lang.foreign.MemorySegment;

/**
 * A thread heap of a shared allocator built with debug hooks or tracing ({@link Decorator}): the thread
 * heap's rules (only its holder allocates or reallocates, close leaves the blocks live, closing the shared
 * allocator ends it) over the decorated allocator's own calls, so every block gets the options' checks,
 * guards and traces. It has no heap of its own: the options already serialise or dominate every call (debug
 * hooks take one lock, tracing captures a stack), so a fast path would buy nothing (docs/design.md, "Thread
 * heaps").
 */
final class DecoratedThreadHeap implements PyMalloc {

    private final Decorator decorated;
    private final SharedAllocator shared;
    private Thread holder;
    private final Thread opener;

    DecoratedThreadHeap(Decorator decorated, SharedAllocator shared) {
        this.decorated = decorated;
        this.shared = shared;
        this.holder = Thread.currentThread();
        this.opener = holder;
        shared.checkOpenLocked();
    }

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        checkHolder();
        return decorated.allocate(byteSize, byteAlignment);
    }

    @Override
    public MemorySegment allocateZeroed(long byteSize) {
        checkHolder();
        return decorated.allocateZeroed(byteSize);
    }

    @Override
    public long allocateAddress(long byteSize) {
        return allocateAddress(byteSize, 1);
    }

    @Override
    public long allocateAddress(long byteSize, long byteAlignment) {
        checkHolder();
        return decorated.allocateAddress(byteSize, byteAlignment);
    }

    /** Any live block of the shared allocator, from any thread, as {@link ThreadHeap#free} does. */
    @Override
    public void free(MemorySegment segment) {
        checkOpen();
        decorated.free(segment);
    }

    @Override
    public void freeAddress(long address) {
        checkOpen();
        decorated.freeAddress(address);
    }

    @Override
    public MemorySegment reallocate(MemorySegment segment, long newByteSize) {
        checkHolder();
        return decorated.reallocate(segment, newByteSize);
    }

    @Override
    public long reallocateAddress(long address, long byteSize) {
        checkHolder();
        return decorated.reallocateAddress(address, byteSize);
    }

    /** Handles release through the decorated shared allocator, from any thread, after this one closes too. */
    @Override
    public Handle allocateHandle(long byteSize) {
        checkHolder();
        return decorated.allocateHandle(byteSize);
    }

    @Override
    public PyMalloc threadHeap() {
        return decorated.threadHeap();
    }

    @Override
    public Geometry geometry() {
        return decorated.geometry();
    }

    @Override
    public MallocStats stats() {
        return decorated.stats();
    }

    @Override
    public ArenaOccupancy occupancy() {
        return decorated.occupancy();
    }

    @Override
    public void checkGuards() {
        decorated.checkGuards();
    }

    @Override
    public AllocationTracer tracer() {
        return decorated.tracer();
    }

    @Override
    public void trim() {
        decorated.trim();
    }

    /**
     * Ends the thread heap; its blocks stay live.
     *
     * @throws WrongThreadException if called from another thread than the holder
     * @throws IllegalStateException if already closed, or if the shared allocator is closed
     */
    @Override
    public void close() {
        checkHolder();
        shared.checkOpenLocked();
        holder = null;
    }

    private void checkHolder() {
        if (Thread.currentThread() != holder) {
            throw ThreadHeap.denied(holder, opener);
        }
    }

    private void checkOpen() {
        if (holder == null) {
            throw ThreadHeap.closed();
        }
    }
}
