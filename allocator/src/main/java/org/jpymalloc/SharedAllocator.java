package org.jpymalloc;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.Objects;

/**
 * The thread-safe allocator: any thread may allocate, free or reallocate any block, and every segment is
 * accessible from every thread (docs/design.md, "Shared mode" and "Thread heaps").
 *
 * <pre>
 *  thread (id % stripes) ──allocate──► stripe k: as owner, or lock ─ Heap k ─ arenas of k
 *  owner of k ──free(block of k's last-found arena)──► enters k, frees there (no arena test)
 *  any thread ──free(block)──► arena (cache or ArenaMap) ─► arena.heap ─► its heap: as owner, or lock,
 *                              or (another live thread owns it) that heap's RemoteFrees
 *  holder ──threadHeap()──► a Heap of its own among the {@link Stripes}, entered with no routing
 *  thread ──allocate(large)──► its stripe (or thread heap): as owner, or lock ─ the heap's own SystemPath
 *  any thread ──free(large block)──► its own stripe's path, else the index ({@link SystemBlockOwners})
 *                                    ─► the block's heap: as its owner, or under its lock
 * </pre>
 *
 * <p>Each stripe is a complete pymalloc {@link Heap} with its own {@link StripeLock}, biased to the
 * platform thread that uses it; stripes keep no per-thread state, so dead threads leave nothing behind and
 * virtual threads cost nothing. Each heap, stripe or thread heap, has a system path of its own for requests
 * the pools do not serve, under the heap's guard (so a thread's large blocks take no lock shared with other
 * threads either).
 * {@link #stats()} holds every lock and keeps every owner out while it walks: even a snapshot taken under
 * load is consistent.
 */
final class SharedAllocator implements PyMalloc {

    private final Geometry geometry;
    private final Stripes stripes;
    /** {@link Stripes#stripes()} and its index mask, held here so that routing need not load Stripes first. */
    private final Heap[] stripeHeaps;
    private final int stripeMask;
    private final long threshold;
    private final long alignment;
    private final int alignmentShift;
    /** Written with every lock held and read only under a lock, so the locks order it: no volatile. */
    private boolean closed;
    private volatile MallocStats statsAtClose;
    private final HandleSettings handles;
    /** Blocks over the threshold: each heap's own system path. */
    final SharedSystemBlocks systemBlocks;

    SharedAllocator(Geometry geometry, int stripeCount, ArenaRetention retention, ArenaPolicy policy,
                    HandleSettings handles, MemoryBudget budget, boolean trackRequested) {
        this(geometry, stripeCount, retention, policy, handles, budget, trackRequested, Stripes.defaultBiasQuietOps());
    }

    /**
     * {@code retention} and {@code policy} apply per stripe; {@code budget} is shared by every stripe and the
     * system path; {@code biasQuietOps} is the stripes' owner-bias policy ({@link StripeLock#StripeLock(int)}).
     */
    SharedAllocator(Geometry geometry, int stripeCount, ArenaRetention retention, ArenaPolicy policy,
                    HandleSettings handles, MemoryBudget budget, boolean trackRequested, int biasQuietOps) {
        this(geometry, stripeCount, retention, policy, handles, budget, trackRequested, biasQuietOps,
                SystemBlockCache.DEFAULT_MAX_CACHED_BYTES);
    }

    /**
     * {@code systemCacheBytes}: the most bytes of freed system blocks each heap keeps to serve again
     * ({@link SystemBlockCache}).
     */
    SharedAllocator(Geometry geometry, int stripeCount, ArenaRetention retention, ArenaPolicy policy,
                    HandleSettings handles, MemoryBudget budget, boolean trackRequested, int biasQuietOps,
                    long systemCacheBytes) {
        this.handles = Objects.requireNonNull(handles, "handles");
        this.geometry = Objects.requireNonNull(geometry, "geometry");
        this.stripes = new Stripes(geometry, stripeCount, retention, policy, budget, trackRequested, biasQuietOps,
                systemCacheBytes);
        this.stripeHeaps = stripes.stripes();
        this.stripeMask = stripeHeaps.length - 1;
        this.threshold = geometry.smallRequestThreshold();
        this.alignment = geometry.alignment();
        this.alignmentShift = geometry.alignmentShift();
        this.systemBlocks = new SharedSystemBlocks(this, stripes, alignment);
    }

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        if (Checks.servedByPools(byteSize, byteAlignment, threshold, alignment)) {
            return allocateFromPool(byteSize);
        }
        Checks.sizeAndAlignment(byteSize, byteAlignment);
        return allocateFromSystem(byteSize, byteAlignment, false);
    }

    @Override
    public MemorySegment allocateZeroed(long byteSize) {
        Checks.size(byteSize);
        if (byteSize == 0 || byteSize > threshold) {
            return allocateFromSystem(byteSize, 1, true);
        }
        MemorySegment segment = allocateFromPool(byteSize);
        segment.fill((byte) 0);
        return segment;
    }

    /**
     * From the thread's stripe: as its owner, without the lock, or under the lock ({@link #allocateLocked}).
     * Only the owner's way is written here, to keep the compiled method small: past C2's
     * {@code InlineSmallCode} (2,500 bytes) a caller compiled after it calls it instead of inlining it
     * (docs/design.md, "Performance notes"; this path is still some 300 bytes over).
     */
    private MemorySegment allocateFromPool(long byteSize) {
        Thread me = Thread.currentThread();
        Heap heap = stripeOf(me);
        int sizeClass = (int) ((byteSize - 1) >>> alignmentShift);
        StripeLock.Owner owner = heap.lock.enterAsOwner(me);
        if (owner == null) {
            return allocateLocked(heap, me, sizeClass, byteSize);
        }
        try {
            return heap.allocateSegment(sizeClass, byteSize);
        } finally {
            VarHandle.releaseFence(); // with clearBusy, Owner.exit() written out (StripeLock.Owner#clearBusy)
            owner.clearBusy();
        }
    }

    /** {@link #allocateFromPool} under the stripe's lock; out of line. */
    private MemorySegment allocateLocked(Heap heap, Thread me, int sizeClass, long byteSize) {
        lockOpen(heap, me);
        try {
            return heap.allocateSegment(sizeClass, byteSize);
        } finally {
            heap.lock.unlock(me);
        }
    }

    /**
     * The one way into a stripe: as its owner, without the lock or any atomic instruction (answers the
     * {@link StripeLock.Owner}), or else under its lock with the allocator checked open (answers null).
     * Leave with {@link #leave}.
     */
    StripeLock.Owner enter(Heap heap, Thread me) {
        StripeLock.Owner owner = heap.lock.enterAsOwner(me);
        if (owner == null) {
            lockOpen(heap, me);
        }
        return owner;
    }

    /** Takes the stripe's lock, then checks the allocator is open (unlocking if not). Out of line. */
    void lockOpen(Heap heap, Thread me) {
        heap.lock.lock(me);
        if (closed) {
            heap.lock.unlock(me);
            checkOpen();
        }
    }

    static void leave(Heap heap, Thread me, StripeLock.Owner owner) {
        if (owner != null) {
            owner.exit();
        } else {
            heap.lock.unlock(me);
        }
    }

    @Override
    public long allocateAddress(long byteSize) {
        return allocateAddress(byteSize, 1);
    }

    @Override
    public long allocateAddress(long byteSize, long byteAlignment) {
        if (Checks.servedByPools(byteSize, byteAlignment, threshold, alignment)) {
            return allocateBlockFromPool(byteSize);
        }
        Checks.sizeAndAlignment(byteSize, byteAlignment);
        return allocateFromSystem(byteSize, byteAlignment, false).address();
    }

    /**
     * {@link #allocateFromPool} for the address API. Written out rather than shared, as
     * {@link Heap#allocateBlock} is: each is the whole of its hot path, and sharing one through a lambda
     * or a flag would add to the compiled code that must stay small ("Performance notes").
     */
    private long allocateBlockFromPool(long byteSize) {
        Thread me = Thread.currentThread();
        Heap heap = stripeOf(me);
        int sizeClass = (int) ((byteSize - 1) >>> alignmentShift);
        StripeLock.Owner owner = heap.lock.enterAsOwner(me);
        if (owner == null) {
            return allocateBlockLocked(heap, me, sizeClass, byteSize);
        }
        try {
            return heap.allocateBlock(sizeClass, byteSize);
        } finally {
            VarHandle.releaseFence(); // with clearBusy, Owner.exit() written out (StripeLock.Owner#clearBusy)
            owner.clearBusy();
        }
    }

    /** {@link #allocateBlockFromPool} under the stripe's lock; out of line. */
    private long allocateBlockLocked(Heap heap, Thread me, int sizeClass, long byteSize) {
        lockOpen(heap, me);
        try {
            return heap.allocateBlock(sizeClass, byteSize);
        } finally {
            heap.lock.unlock(me);
        }
    }

    /** A block the pools do not serve, from the calling thread's stripe's own system path. */
    MemorySegment allocateFromSystem(long byteSize, long byteAlignment, boolean zeroed) {
        Thread me = Thread.currentThread();
        return systemBlocks.allocate(stripeOf(me), me, byteSize, byteAlignment, zeroed);
    }

    /**
     * The owner of the caller's stripe enters it first and frees in the stripe's last-found arena, as a
     * thread heap's holder does: inside the handshake that arena is the stripe's own and mapped (only the
     * owner changes it, or an excluder that released it and forgot it then), so neither needs a test.
     * A miss or a block that is not live leaves the stripe unchanged for {@link #freeWithoutCache}, which
     * looks the arena up in the map and diagnoses; a caller that does not own its stripe takes {@link
     * #freeAsGuest}.
     */
    @Override
    public void free(MemorySegment segment) {
        long address = segment.address(); // NullPointerException for null, like the JDK's own methods
        Thread me = Thread.currentThread();
        Heap mine = stripeOf(me);
        StripeLock.Owner owner = mine.lock.enterAsOwner(me);
        if (owner == null) {
            freeAsGuest(segment, address, me, mine);
        } else if (!freeOwn(owner, mine, segment, address)) {
            freeWithoutCache(segment, address, me);
        }
    }

    /** {@link #free} without a segment: every check but the scope's (there is none), the same paths. */
    @Override
    public void freeAddress(long address) {
        Thread me = Thread.currentThread();
        Heap mine = stripeOf(me);
        StripeLock.Owner owner = mine.lock.enterAsOwner(me);
        if (owner == null) {
            freeAsGuest(null, address, me, mine);
        } else if (!freeOwn(owner, mine, null, address)) {
            freeWithoutCache(null, address, me);
        }
    }

    /**
     * Entered as {@code mine}'s owner: frees a live block of its last-found arena and leaves; false,
     * having changed nothing, for any other address or a block that is not live.
     */
    private static boolean freeOwn(StripeLock.Owner owner, Heap mine, MemorySegment segment, long address) {
        try {
            MappedArena arena = mine.cachedArena(address);
            return arena != null && isOf(arena, segment) && mine.free(arena, address);
        } finally {
            VarHandle.releaseFence(); // with clearBusy, Owner.exit() written out (StripeLock.Owner#clearBusy)
            owner.clearBusy();
        }
    }

    /**
     * A free by a thread that does not own its stripe, out of line: the stripe's last-found arena read
     * without holding the stripe, the arena's stripe entered as owner or under its lock (and the arena
     * then checked mapped), else the arena map or the system path.
     */
    private void freeAsGuest(MemorySegment segment, long address, Thread me, Heap mine) {
        MappedArena arena = mine.cachedArena(address);
        if (arena == null || !freeInArena(segment, arena, address, me)) {
            freeWithoutCache(segment, address, me);
        }
    }

    /**
     * Off the hot path: the arena from the map (the cache missed, or its arena was released, and its
     * range possibly remapped, before we locked it), or the system path.
     */
    private void freeWithoutCache(MemorySegment segment, long address, Thread me) {
        MappedArena arena = stripes.arenaOf(address);
        if (arena == null) {
            freeSystemBlock(segment, address, me);
        } else if (!freeRemembering(segment, arena, address, me)) {
            throw BlockDiagnosis.notALiveBlock(segment, address, arena);
        }
    }

    /**
     * {@link #freeInArena} for a block its stripe's cache missed: the owner of the arena's stripe remembers
     * the arena first ({@link Heap#remember}), so that the next frees in it take {@link #free}'s cached way
     * (a thread heap's holder does the same, by {@link Heap#arenaOf}). Only while holding the stripe and
     * only if mapped, and before the free, which may release the arena and then forgets it: a released
     * arena left remembered would be read by the next lookup (the remote-free drain's among them).
     * Written out rather than as a flag of {@link #freeInArena}; the locked way does not remember.
     */
    private boolean freeRemembering(MemorySegment segment, MappedArena arena, long address, Thread me) {
        Heap heap = arena.heap;
        StripeLock.Owner owner = heap.lock.enterAsOwner(me);
        if (owner == null) {
            return freeNotOwner(segment, arena, address, me);
        }
        try {
            if (arena.mapped) {
                heap.remember(arena);
            }
            return freeLiveBlock(segment, arena, address);
        } finally {
            owner.exit();
        }
    }

    /**
     * Frees as the owner of the arena's stripe ({@code arena.heap}), or else by {@link #freeNotOwner};
     * false if the arena is no longer mapped.
     */
    private boolean freeInArena(MemorySegment segment, MappedArena arena, long address, Thread me) {
        StripeLock.Owner owner = arena.heap.lock.enterAsOwner(me);
        if (owner == null) {
            return freeNotOwner(segment, arena, address, me);
        }
        try {
            return freeLiveBlock(segment, arena, address);
        } finally {
            owner.exit();
        }
    }

    /**
     * {@link #freeInArena} by a thread that does not own the arena's stripe: on the owner's remote-free
     * stack, or under the stripe's lock. Out of line, as {@link #allocateLocked}.
     */
    private boolean freeNotOwner(MemorySegment segment, MappedArena arena, long address, Thread me) {
        Heap heap = arena.heap;
        if (heap.lock.ownedByAnotherLiveThread(me) && RemoteFrees.tryPush(segment, arena, address)) {
            return true;
        }
        lockOpen(heap, me);
        try {
            return freeLiveBlock(segment, arena, address);
        } finally {
            heap.lock.unlock(me);
        }
    }

    /** With the arena's stripe held (as its owner or under its lock). */
    private static boolean freeLiveBlock(MemorySegment segment, MappedArena arena, long address) {
        if (!arena.mapped) {
            return false;
        }
        if (!isOf(arena, segment) || !arena.heap.free(arena, address)) { // a pending block is not free-able
            throw BlockDiagnosis.notALiveBlock(segment, address, arena);
        }
        return true;
    }

    /** Whether {@code segment} was sliced from {@code arena}; null (the address API) has no scope to check. */
    static boolean isOf(MappedArena arena, MemorySegment segment) {
        return segment == null || arena.owns(segment);
    }

    /** The stripe {@code thread} allocates from. */
    private Heap stripeOf(Thread thread) {
        return stripeHeaps[(int) thread.threadId() & stripeMask];
    }

    /** The heaps; for tests. */
    Stripes stripesForTests() {
        return stripes;
    }

    /** The calling thread's stripe; for tests. */
    Heap callersStripe() {
        return stripeOf(Thread.currentThread());
    }

    @Override
    public MemorySegment reallocate(MemorySegment segment, long newByteSize) {
        return reallocate(segment, segment.address(), newByteSize, this);
    }

    @Override
    public long reallocateAddress(long address, long byteSize) {
        return reallocate(null, address, byteSize, this).address();
    }

    /** {@link SharedReallocation#reallocate}: the block moves through {@code via}, this allocator or a thread heap. */
    MemorySegment reallocate(MemorySegment segment, long address, long newByteSize, PyMalloc via) {
        return SharedReallocation.reallocate(this, stripes.arenaOf(address), segment, address, newByteSize, via);
    }

    /** A block no arena holds (or no block at all): {@link SharedSystemBlocks#free}. */
    private void freeSystemBlock(MemorySegment segment, long address, Thread me) {
        systemBlocks.free(stripeOf(me), segment, address, me);
    }

    @Override
    public Geometry geometry() {
        return geometry;
    }

    /**
     * A new thread heap for the calling thread, adopting a heap a closed thread heap (or a dead thread) left
     * behind when there is one ({@link ThreadHeaps}).
     */
    @Override
    public PyMalloc threadHeap() {
        return ThreadHeap.open(this, stripes);
    }

    /** Throws if closed, checked under a lock (a decorated allocator's thread heap has no heap to check it by). */
    void checkOpenLocked() {
        Thread me = Thread.currentThread();
        Heap first = stripeHeaps[0];
        lockOpen(first, me); // closed is written with every heap's lock held
        first.lock.unlock(me);
    }

    /** Heaps made for thread heaps, and how many wait as orphans; for tests. */
    int[] threadHeapsAndOrphans() {
        return stripes.threadHeapsAndOrphans();
    }

    HandleSettings handles() {
        return handles;
    }

    /**
     * A consistent snapshot: every heap's lock is held, and every heap's owner
     * kept out, during the walk (briefly stopping allocation), so the figures add up even under load.
     * After close: the snapshot taken then.
     */
    @Override
    public MallocStats stats() {
        MallocStats last = statsAtClose;
        if (last != null) {
            return last;
        }
        lockAll();
        try {
            checkOpen();
            return StatsCollector.collect(stripes.all());
        } finally {
            unlockAll();
        }
    }

    @Override
    public Handle allocateHandle(long byteSize) {
        return Handle.wrap(this, allocate(byteSize, 1), handles);
    }

    @Override
    public ArenaOccupancy occupancy() {
        lockAll();
        try {
            checkOpen();
            return OccupancyCollector.collect(stripes.all());
        } finally {
            unlockAll();
        }
    }

    /**
     * Frees everything and unmaps every arena. Call it once no other thread uses the allocator: a thread
     * still calling it afterwards gets {@link IllegalStateException}, and one still touching a segment
     * gets the JDK's {@link IllegalStateException} for a closed scope.
     */
    @Override
    public void close() {
        lockAll();
        try {
            checkOpen();
            statsAtClose = StatsCollector.collect(stripes.all());
            closed = true;
            stripes.retireAll(); // every heap's arenas unmapped, its system blocks freed
        } finally {
            unlockAll();
        }
        LeakDetection.reportAtClose(statsAtClose, handles.atClose());
    }

    /**
     * Each heap's retained arenas go back to the OS, and its system path's cached free blocks to the C
     * library, under its lock with its owner kept out.
     */
    @Override
    public void trim() {
        stripes.eachExcludingOwner(heap -> {
            checkOpen();
            heap.trim();
            heap.trimSystemCache();
        });
    }

    /** Checks every stripe's invariants, each under its lock with its owner kept out; for tests. */
    void checkInvariants() {
        stripes.eachExcludingOwner(heap -> {
            checkOpenAndCollect(heap);
            heap.checkInvariants();
        });
    }

    /** How many times stripes were biased to an owner, and how many of those biases were revoked; for tests. */
    long[] biasGrantsAndRevocations() {
        return stripes.biasGrantsAndRevocations();
    }

    int stripeCount() {
        return stripes.count();
    }

    /**
     * Every heap held with its owner kept out, in one fixed order (no other path holds two heaps, so no
     * deadlock; the system-block index's lock is a leaf). Blocks other threads freed are collected first,
     * unless closed: after close, a racing push may have left blocks of unmapped arenas, which must never be
     * read.
     */
    private void lockAll() {
        stripes.lockAll(!closed);
    }

    private void unlockAll() {
        stripes.unlockAll();
    }

    /** With {@code heap}'s stripe held: the allocator is open, and blocks other threads freed are back. */
    private void checkOpenAndCollect(Heap heap) {
        checkOpen();
        heap.drainRemoteFrees();
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("allocator is closed");
        }
    }
}
