package org.jpymalloc;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * A thread's own heap of a shared allocator ({@link PyMalloc#threadHeap()}), as mimalloc's
 * {@code mi_heap_t}: the thread that opened it allocates from a pymalloc {@link Heap} of its own, with no
 * routing (no thread-to-stripe step, no arena-to-stripe step on its own frees) and no lock or atomic
 * instruction, yet the shared allocator keeps its promises: any thread may free any block, close from any
 * thread is safe, statistics are exact, a double free is rejected at once.
 *
 * <p>How: the heap's {@link StripeLock} is pinned to the holder ({@link StripeLock#pin}), so the holder
 * enters as its owner ({@link StripeLock.Owner#enterPinned}: a plain store, a compiler barrier, a volatile
 * load, all in its own owner record);
 * anyone else who must touch the
 * heap (statistics, close, a free the remote-free stack cannot take) keeps the holder out with the lock's
 * handshake for as long as it works. Blocks of this heap freed by other threads go on its
 * {@link RemoteFrees} stack, collected when a class needs a pool.
 *
 * <pre>
 *  holder ──allocate──► own heap, as owner (no lock); over the threshold, the heap's own system path, the same way
 *  holder ──free(own block)──► own heap, as owner;   free(any other block) ──► the shared allocator's free
 *  other  ──free(this heap's block)──► remote-free stack (or the heap's lock, the holder kept out)
 *  other  ──free(this heap's large block)──► the shared allocator's index ─► the heap's lock, the holder kept out
 * </pre>
 *
 * <p>Blocks belong to the shared allocator: {@link #close()} leaves them live, and the heap (with its pools,
 * whose free blocks serve again) waits for the next thread heap ({@link ThreadHeaps}). Closing the shared
 * allocator closes every thread heap: its calls then throw {@link IllegalStateException}.
 */
final class ThreadHeap implements PyMalloc {

    private final SharedAllocator shared;
    private final Stripes stripes;
    private final Heap heap;
    private final StripeLock lock;
    /**
     * The heap's bias to the holder ({@link StripeLock.Owner#enterPinned}); without {@code membarrier}, a
     * record kept out for good, so that every call takes the lock.
     */
    private final StripeLock.Owner bias;
    /** The thread that opened it; null once closed, so one comparison guards both on the hot path. */
    private Thread holder;
    private final Thread opener;
    private final long threshold;
    private final long alignment;
    private final int alignmentShift;

    /**
     * A new thread heap of {@code shared} for the calling thread, on a heap a closed thread heap (or a dead
     * thread) left behind when there is one ({@link ThreadHeaps#adopt}).
     *
     * @throws IllegalStateException if {@code shared} is closed
     */
    static ThreadHeap open(SharedAllocator shared, Stripes stripes) {
        Thread me = Thread.currentThread();
        Heap heap = stripes.adoptThreadHeap(me);
        try {
            shared.checkOpen(); // closed is written with every heap's lock held (a new heap's: made after, or retired)
        } catch (IllegalStateException closedAlready) {
            heap.lock.unpin();
            heap.lock.unlock(me);
            stripes.orphanThreadHeap(heap);
            throw closedAlready;
        }
        StripeLock.Owner bias = heap.lock.pinnedBias();
        heap.lock.unlock(me);
        return new ThreadHeap(shared, stripes, heap, me, bias);
    }

    private ThreadHeap(SharedAllocator shared, Stripes stripes, Heap heap, Thread holder, StripeLock.Owner bias) {
        this.shared = shared;
        this.stripes = stripes;
        this.heap = heap;
        this.lock = heap.lock;
        this.bias = bias;
        this.holder = holder;
        this.opener = holder;
        Geometry geometry = shared.geometry();
        this.threshold = geometry.smallRequestThreshold();
        this.alignment = geometry.alignment();
        this.alignmentShift = geometry.alignmentShift();
    }

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        Thread me = checkHolder();
        if (!servedByPools(byteSize, byteAlignment)) {
            return allocateFromSystem(byteSize, byteAlignment);
        }
        int sizeClass = (int) ((byteSize - 1) >>> alignmentShift);
        StripeLock.Owner owner = bias;
        if (!owner.enterPinned()) {
            return allocateLocked(me, sizeClass, byteSize);
        }
        try {
            return heap.allocateSegment(sizeClass, byteSize);
        } finally {
            VarHandle.releaseFence(); // with clearBusy, Owner.exit() written out (StripeLock.Owner#clearBusy)
            owner.clearBusy();
        }
    }

    /** Out of line, to keep {@link #allocate} small enough for the JIT to inline into its callers. */
    private MemorySegment allocateFromSystem(long byteSize, long byteAlignment) {
        Checks.sizeAndAlignment(byteSize, byteAlignment);
        return allocateFromOwnSystem(byteSize, byteAlignment, false);
    }

    /**
     * A block over the threshold from the heap's own system path ({@link Heap#systemPath()}), entered as
     * the pools are: the holder's handshake, no lock. Its cache serves a steady pair with no atomic
     * instruction; a block new from the C library, or given back, is recorded in the shared allocator's
     * index of thread heaps' system blocks ({@link SystemBlockOwners}), for frees from other threads.
     */
    private MemorySegment allocateFromOwnSystem(long byteSize, long byteAlignment, boolean zeroed) {
        StripeLock.Owner owner = bias;
        if (!owner.enterPinned()) {
            return shared.systemBlocks.allocateLocked(heap, Thread.currentThread(), byteSize, byteAlignment, zeroed);
        }
        try {
            return heap.systemPath().allocate(byteSize, byteAlignment, alignment, zeroed);
        } finally {
            VarHandle.releaseFence(); // with clearBusy, Owner.exit() written out (StripeLock.Owner#clearBusy)
            owner.clearBusy();
        }
    }

    /**
     * Whether pools serve a request: {@link Checks#servedByPools}'s answer, in five branches. Kept here
     * rather than calling it: with the helper this pair ran 2.5 ns slower in JMH's loop, both when the
     * helper had these five branches (15.9 against 18.7 ns at 64 bytes, eight alternating forks) and with
     * its one branch (13.1 against 16.1 ns, four), which made the confined and shared pairs faster. Out of
     * line the thread heap's pair was the same either way (CHANGELOG.md).
     */
    private boolean servedByPools(long byteSize, long byteAlignment) {
        return byteSize > 0 && byteSize <= threshold && byteAlignment > 0 && byteAlignment <= alignment
                && (byteAlignment & (byteAlignment - 1)) == 0;
    }

    /** Out of line: while someone keeps the holder out (statistics, close), or without membarrier. */
    private MemorySegment allocateLocked(Thread me, int sizeClass, long byteSize) {
        shared.lockOpen(heap, me);
        try {
            return heap.allocateSegment(sizeClass, byteSize);
        } finally {
            lock.unlock(me);
        }
    }

    /** {@link #allocateLocked} for the address API. */
    private long allocateBlockLocked(Thread me, int sizeClass, long byteSize) {
        shared.lockOpen(heap, me);
        try {
            return heap.allocateBlock(sizeClass, byteSize);
        } finally {
            lock.unlock(me);
        }
    }

    @Override
    public MemorySegment allocateZeroed(long byteSize) {
        checkHolder();
        Checks.size(byteSize);
        if (byteSize == 0 || byteSize > threshold) {
            return allocateFromOwnSystem(byteSize, 1, true);
        }
        MemorySegment segment = allocate(byteSize, 1);
        segment.fill((byte) 0);
        return segment;
    }

    @Override
    public long allocateAddress(long byteSize) {
        return allocateAddress(byteSize, 1);
    }

    @Override
    public long allocateAddress(long byteSize, long byteAlignment) {
        Thread me = checkHolder();
        if (!servedByPools(byteSize, byteAlignment)) {
            return allocateFromSystem(byteSize, byteAlignment).address();
        }
        int sizeClass = (int) ((byteSize - 1) >>> alignmentShift);
        StripeLock.Owner owner = bias;
        if (!owner.enterPinned()) {
            return allocateBlockLocked(me, sizeClass, byteSize);
        }
        try {
            return heap.allocateBlock(sizeClass, byteSize);
        } finally {
            VarHandle.releaseFence(); // with clearBusy, Owner.exit() written out (StripeLock.Owner#clearBusy)
            owner.clearBusy();
        }
    }

    /**
     * Frees any live block of the shared allocator, from any thread: the holder's own blocks straight back
     * to its pools, anything else as the shared allocator's {@link PyMalloc#free} does.
     */
    @Override
    public void free(MemorySegment segment) {
        long address = segment.address(); // NullPointerException for null, like the JDK's own methods
        Thread me = Thread.currentThread();
        if (me != holder || !freeOwn(segment, address)) {
            freeShared(segment, address);
        }
    }

    @Override
    public void freeAddress(long address) {
        Thread me = Thread.currentThread();
        if (me != holder || !freeOwn(null, address)) {
            freeShared(null, address);
        }
    }

    /**
     * The holder's fast path: true if the block was a live block of its own heap (its pools or its own
     * system path) and is now free; false, having changed nothing, for anything else (another heap's
     * block, a bad address, the holder kept out), which the shared allocator's free then handles or
     * rejects. One handshake for either kind of block.
     */
    private boolean freeOwn(MemorySegment segment, long address) {
        StripeLock.Owner owner = bias;
        if (!owner.enterPinned()) {
            return false;
        }
        try {
            // The heap's last-found arena is its own and mapped: it changes only by the holder's hand, or by
            // an excluder that released it, which forgot it then (ArenaTable.release, Heap.forget).
            MappedArena arena = heap.cachedArena(address);
            if (arena == null) {
                return freeOwnMissed(segment, address);
            }
            return (segment == null || arena.owns(segment)) && heap.free(arena, address);
        } finally {
            VarHandle.releaseFence(); // with clearBusy, Owner.exit() written out (StripeLock.Owner#clearBusy)
            owner.clearBusy();
        }
    }

    /**
     * Inside the holder's handshake, for an address the last-found arena does not hold: the arena map, which
     * remembers an arena of this heap ({@link Heap#arenaOf}), else the heap's own system path. An arena of
     * this heap found in the map is mapped (releasing one takes it out of the map first, under the heap's
     * guard); another heap's arena, or a stale segment, answers false. Out of line: the common free hits.
     */
    private boolean freeOwnMissed(MemorySegment segment, long address) {
        MappedArena arena = heap.arenaOf(address);
        if (arena == null) {
            return freeOwnSystem(segment, address);
        }
        return arena.heap == heap && (segment == null || arena.owns(segment)) && heap.free(arena, address);
    }

    /**
     * Inside the holder's handshake, for an address no arena holds: true if it was a live block of the
     * heap's own system path and is now free (or cached); false, having changed nothing, if the path does
     * not hold it live. A stale segment of an address the path holds is rejected here, as the shared free
     * would. Out of line: the pools' free above stays small.
     */
    private boolean freeOwnSystem(MemorySegment segment, long address) {
        return (segment == null || segment.isNative()) && heap.systemPath().freeIfLive(segment, address);
    }

    /** Everything but the holder's fast path: the shared allocator's routing and checks. */
    private void freeShared(MemorySegment segment, long address) {
        if (holder == null) {
            throw closed();
        }
        if (segment != null) {
            shared.free(segment);
        } else {
            shared.freeAddress(address);
        }
    }

    @Override
    public MemorySegment reallocate(MemorySegment segment, long newByteSize) {
        checkHolder();
        return shared.reallocate(segment, segment.address(), newByteSize, this);
    }

    @Override
    public long reallocateAddress(long address, long byteSize) {
        checkHolder();
        return shared.reallocate(null, address, byteSize, this).address();
    }

    /** Handles release through the shared allocator: from any thread, and after this thread heap closes. */
    @Override
    public Handle allocateHandle(long byteSize) {
        return Handle.wrap(shared, allocate(byteSize, 1), shared.handles());
    }

    /** Another thread heap of the same shared allocator, for the calling thread. */
    @Override
    public PyMalloc threadHeap() {
        return shared.threadHeap();
    }

    @Override
    public Geometry geometry() {
        return shared.geometry();
    }

    /** The shared allocator's statistics, which cover every thread heap. */
    @Override
    public MallocStats stats() {
        return shared.stats();
    }

    /** The shared allocator's occupancy, which covers every thread heap. */
    @Override
    public ArenaOccupancy occupancy() {
        return shared.occupancy();
    }

    /** The shared allocator's: every heap's retained arenas go back to the OS. */
    @Override
    public void trim() {
        shared.trim();
    }

    /**
     * Ends the thread heap: its blocks stay live (free them through the shared allocator or any thread
     * heap), and its heap, pools and all, waits for the next thread heap to adopt it.
     *
     * @throws WrongThreadException if called from another thread than the holder
     * @throws IllegalStateException if already closed, or if the shared allocator is closed
     */
    @Override
    public void close() {
        Thread me = checkHolder();
        shared.lockOpen(heap, me);
        try {
            heap.lock.unpin();
            holder = null;
        } finally {
            heap.lock.unlock(me);
        }
        stripes.orphanThreadHeap(heap);
    }

    /** The shared allocator; for tests. */
    SharedAllocator shared() {
        return shared;
    }

    /** The heap; for tests. */
    Heap heap() {
        return heap;
    }

    private Thread checkHolder() {
        Thread me = Thread.currentThread();
        if (me != holder) {
            throw accessDenied();
        }
        return me;
    }

    /** Kept out of line: the hot paths stay small enough for the JIT to inline them. */
    private RuntimeException accessDenied() {
        return denied(holder, opener);
    }

    /** Why a call that only the holder may make is refused: the thread heap is closed, or not the caller's. */
    static RuntimeException denied(Thread holder, Thread opener) {
        return holder == null ? closed() : wrongThread(opener);
    }

    private static WrongThreadException wrongThread(Thread opener) {
        return new WrongThreadException("thread heap belongs to " + opener + "; called from "
                + Thread.currentThread() + " (free is the one call any thread may make)");
    }

    static IllegalStateException closed() {
        return new IllegalStateException("thread heap is closed: its blocks are the shared allocator's, free them "
                + "there");
    }

    @Override
    public String toString() {
        return "ThreadHeap[" + opener + (holder == null ? ", closed]" : "]");
    }
}
