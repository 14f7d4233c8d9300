package org.jpymalloc;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The thread-safe allocator: any thread may allocate, free or reallocate any block, and every segment
 * is accessible from every thread.
 *
 * <p>Design: a fixed set of <em>stripes</em>, each a complete pymalloc {@link Heap} (its own used pools,
 * arenas and usable-arena order) with its own {@link StripeLock}. A thread allocates from the stripe its
 * thread id selects; a free goes to the stripe that owns the block's arena, found without a lock (the
 * freeing thread's stripe remembers the arena it last took a pool from; else the shared copy-on-write
 * {@link ArenaMap}). A stripe is entered by its owner (the platform thread it is biased to) without the
 * lock or any atomic instruction, by anyone else under the lock; a plain free of a block whose stripe
 * another thread owns goes on that stripe's {@link RemoteFrees} instead (docs/design.md, "Shared mode").
 *
 * <pre>
 *  thread (id % stripes) ──allocate──► stripe k: as owner, or lock ─ Heap k ─ arenas of k
 *  any thread ──free(block)──► arena (cache or ArenaMap) ─► arena.heap ─► its stripe: as owner, or lock
 * </pre>
 *
 * <p>There is no per-thread state: a thread that dies leaves nothing behind (its blocks and pools belong
 * to stripes, and any thread may free them; its stripes are adopted), and a million virtual threads cost
 * nothing more than one (they never own a stripe). The system path has a lock of its own.
 * {@link #stats()} holds every lock and keeps every owner out while it walks, so even a snapshot taken
 * under load is consistent.
 */
final class SharedAllocator implements PyMalloc {

    private final Geometry geometry;
    private final Heap[] stripes;
    private final int stripeMask;
    private final ArenaMap arenaMap;
    private final SystemPath system;
    private final ReentrantLock systemLock = new ReentrantLock();
    private final long threshold;
    private final long alignment;
    private final int alignmentShift;
    /** Written with every lock held and read only under a lock, so the locks order it: no volatile. */
    private boolean closed;
    private volatile MallocStats statsAtClose;
    private final HandleSettings handles;

    SharedAllocator(Geometry geometry) {
        this(geometry, defaultStripes(), ArenaRetention.defaults(), HandleSettings.defaults(), MemoryBudget.unlimited(),
                false);
    }

    SharedAllocator(Geometry geometry, int stripeCount, ArenaRetention retention, HandleSettings handles,
                    MemoryBudget budget, boolean trackRequested) {
        this(geometry, stripeCount, retention, handles, budget, trackRequested, defaultBiasQuietOps());
    }

    /**
     * {@code retention} is per stripe; {@code budget} is shared by every stripe and the system path;
     * {@code biasQuietOps} is the stripes' owner-bias policy ({@link StripeLock#StripeLock(int)}).
     */
    SharedAllocator(Geometry geometry, int stripeCount, ArenaRetention retention, HandleSettings handles,
                    MemoryBudget budget, boolean trackRequested, int biasQuietOps) {
        this.handles = Objects.requireNonNull(handles, "handles");
        this.geometry = Objects.requireNonNull(geometry, "geometry");
        if (stripeCount < 1 || Integer.bitCount(stripeCount) != 1) {
            throw new IllegalArgumentException("stripe count must be a positive power of two: " + stripeCount);
        }
        this.arenaMap = new ArenaMap(geometry);
        ArenaCounters counters = new ArenaCounters();
        this.stripes = new Heap[stripeCount];
        for (int i = 0; i < stripeCount; i++) {
            stripes[i] = new Heap(geometry, new StripeLock(biasQuietOps), arenaMap, counters, retention, budget,
                    new Usage(), trackRequested);
        }
        this.system = new SystemPath(true, budget, new Usage());
        this.stripeMask = stripeCount - 1;
        this.threshold = geometry.smallRequestThreshold();
        this.alignment = geometry.alignment();
        this.alignmentShift = geometry.alignmentShift();
    }

    /**
     * The stripes' bias policy: {@link StripeLock#DEFAULT_QUIET_OPS}, or never biased when the system
     * property {@value #OWNER_BIAS_PROPERTY} is {@code false} (for comparisons and diagnosis).
     */
    static int defaultBiasQuietOps() {
        boolean bias = Boolean.parseBoolean(System.getProperty(OWNER_BIAS_PROPERTY, "true"));
        return bias ? StripeLock.DEFAULT_QUIET_OPS : -1;
    }

    /** System property: {@code false} turns the stripes' owner bias off (every operation takes the lock). */
    static final String OWNER_BIAS_PROPERTY = "jpymalloc.ownerBias";

    /** Twice the processors, as a power of two: two threads per core rarely share a stripe. */
    static int defaultStripes() {
        int wanted = Math.max(2, 2 * Runtime.getRuntime().availableProcessors());
        return Math.min(64, Integer.highestOneBit(wanted - 1) << 1);
    }

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        if (byteSize > 0 && byteSize <= threshold && byteAlignment > 0 && byteAlignment <= alignment
                && (byteAlignment & (byteAlignment - 1)) == 0) {
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

    /** The owner of the thread's stripe allocates without the lock; any other thread takes it. */
    private MemorySegment allocateFromPool(long byteSize) {
        Thread me = Thread.currentThread();
        Heap heap = stripeOf(me);
        int sizeClass = (int) ((byteSize - 1) >>> alignmentShift);
        StripeLock.Owner owner = heap.lock.enterAsOwner(me);
        if (owner == null) {
            return allocateUnderLock(heap, sizeClass, byteSize, me);
        }
        try {
            return heap.allocateSegment(sizeClass, byteSize);
        } finally {
            owner.exit();
        }
    }

    private MemorySegment allocateUnderLock(Heap heap, int sizeClass, long byteSize, Thread me) {
        heap.lock.lock(me);
        try {
            checkOpen();
            heap.collectRemoteFreesForAllocation();
            return heap.allocateSegment(sizeClass, byteSize);
        } finally {
            heap.lock.unlock(me);
        }
    }

    @Override
    public long allocateAddress(long byteSize) {
        return allocateAddress(byteSize, 1);
    }

    @Override
    public long allocateAddress(long byteSize, long byteAlignment) {
        if (byteSize > 0 && byteSize <= threshold && byteAlignment > 0 && byteAlignment <= alignment
                && (byteAlignment & (byteAlignment - 1)) == 0) {
            return allocateBlockFromPool(byteSize);
        }
        Checks.sizeAndAlignment(byteSize, byteAlignment);
        return allocateFromSystem(byteSize, byteAlignment, false).address();
    }

    /** {@link #allocateFromPool} for the address API. */
    private long allocateBlockFromPool(long byteSize) {
        Thread me = Thread.currentThread();
        Heap heap = stripeOf(me);
        int sizeClass = (int) ((byteSize - 1) >>> alignmentShift);
        StripeLock.Owner owner = heap.lock.enterAsOwner(me);
        if (owner == null) {
            return allocateUnderLock(heap, sizeClass, byteSize, me).address();
        }
        try {
            return heap.allocateBlock(sizeClass, byteSize);
        } finally {
            owner.exit();
        }
    }

    private MemorySegment allocateFromSystem(long byteSize, long byteAlignment, boolean zeroed) {
        systemLock.lock();
        try {
            checkOpen();
            return system.allocate(byteSize, byteAlignment, alignment, zeroed);
        } finally {
            systemLock.unlock();
        }
    }

    @Override
    public void free(MemorySegment segment) {
        long address = segment.address(); // NullPointerException for null, like the JDK's own methods
        Thread me = Thread.currentThread();
        MappedArena arena = stripeOf(me).cachedArena(address);
        if (arena == null || !freeInArena(segment, arena, address, me)) {
            freeWithoutCache(segment, address, me);
        }
    }

    /** {@link #free} without a segment: every check but the scope's (there is none), the same paths. */
    @Override
    public void freeAddress(long address) {
        Thread me = Thread.currentThread();
        MappedArena arena = stripeOf(me).cachedArena(address);
        if (arena == null || !freeInArena(null, arena, address, me)) {
            freeWithoutCache(null, address, me);
        }
    }

    /**
     * Off the hot path: the arena from the map (the cache missed, or its arena was released, and its
     * range possibly remapped, before we locked it), or the system path.
     */
    private void freeWithoutCache(MemorySegment segment, long address, Thread me) {
        MappedArena arena = arenaMap.lookup(address);
        if (arena == null) {
            freeFromSystem(segment, address);
        } else if (!freeInArena(segment, arena, address, me)) {
            throw notAPoolBlock(segment, address, arena);
        }
    }

    /**
     * Frees as the owner of the arena's stripe, or else under its lock; false if the arena is no longer
     * mapped.
     */
    private boolean freeInArena(MemorySegment segment, MappedArena arena, long address, Thread me) {
        Heap heap = arena.heap;
        StripeLock.Owner owner = heap.lock.enterAsOwner(me);
        if (owner == null) {
            return heap.lock.ownedByAnotherLiveThread(me) && freeRemotely(segment, arena, address)
                    || freeUnderLock(segment, arena, address, me);
        }
        try {
            return freeLiveBlock(segment, arena, address);
        } finally {
            owner.exit();
        }
    }

    /**
     * A free of a block whose stripe another thread owns: marked pending and pushed on the stripe's
     * {@link RemoteFrees}, without the lock and without revoking the owner. False, having changed
     * nothing, when anything is doubtful (arena released, not this arena's segment, not a live block,
     * already pending): the lock path then decides, and says what the segment is.
     */
    private static boolean freeRemotely(MemorySegment segment, MappedArena arena, long address) {
        if (!arena.mapped || !isOf(arena, segment) || !arena.heap.isLiveBlock(arena, address)
                || !arena.markRemotePending(address)) {
            return false;
        }
        arena.heap.remoteFrees.push(arena, address);
        return true;
    }

    private boolean freeUnderLock(MemorySegment segment, MappedArena arena, long address, Thread me) {
        Heap heap = arena.heap;
        heap.lock.lock(me);
        try {
            checkOpenAndCollect(heap);
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
            throw notAPoolBlock(segment, address, arena);
        }
        return true;
    }

    /** Whether {@code segment} was sliced from {@code arena}; null (the address API) has no scope to check. */
    private static boolean isOf(MappedArena arena, MemorySegment segment) {
        return segment == null || arena.owns(segment);
    }

    private Heap stripeOf(Thread thread) {
        return stripes[(int) thread.threadId() & stripeMask];
    }

    private void freeFromSystem(MemorySegment segment, long address) {
        if (segment != null) {
            Checks.requireNative(segment);
        }
        systemLock.lock();
        try {
            checkOpen();
            system.free(systemBlock(segment, address));
        } finally {
            systemLock.unlock();
        }
    }

    /** Under the system lock: the block behind {@code segment}, or at {@code address} when it is null. */
    private SystemPath.Block systemBlock(MemorySegment segment, long address) {
        return segment != null ? system.blockOf(segment) : system.blockAt(address);
    }

    /**
     * Under the arena's heap lock: what the segment (or, when it is null, the address) is, when it is not
     * a live block of the arena.
     */
    private static IllegalArgumentException notAPoolBlock(MemorySegment segment, long address, MappedArena arena) {
        String what;
        if (!arena.mapped) {
            what = "belongs to memory already freed: its arena was returned to the OS";
        } else if (arena.isRemotePending(address)) {
            what = "was already freed (double free): another thread freed it, and it waits to be collected";
        } else {
            what = segment != null ? BlockDiagnosis.describe(arena.heap, arena, segment)
                    : BlockDiagnosis.describe(arena.heap, arena, address);
        }
        return segment != null ? Checks.badSegment(segment, what) : Checks.badAddress(address, what);
    }

    @Override
    public MemorySegment reallocate(MemorySegment segment, long newByteSize) {
        return reallocate(segment, segment.address(), newByteSize);
    }

    @Override
    public long reallocateAddress(long address, long byteSize) {
        return reallocate(null, address, byteSize).address();
    }

    /** {@code segment}: the caller's, or null for the address API (then only the address is checked). */
    private MemorySegment reallocate(MemorySegment segment, long address, long newByteSize) {
        Checks.newSize(newByteSize);
        MappedArena arena = arenaMap.lookup(address);
        if (arena == null) {
            return reallocateOnSystem(segment, address, newByteSize);
        }
        long blockSize;
        Heap heap = arena.heap;
        Thread me = Thread.currentThread();
        StripeLock.Owner owner = heap.lock.enterAsOwner(me);
        if (owner == null) {
            heap.lock.lock(me);
        }
        try {
            if (owner == null) {
                checkOpenAndCollect(heap);
            }
            if (!isOf(arena, segment) || !arena.mapped || !heap.isLiveBlock(arena, address)
                    || arena.isRemotePending(address)) {
                throw notAPoolBlock(segment, address, arena);
            }
            blockSize = heap.blockSize(address);
            if (heap.resizeInPlace(arena, address, blockSize, newByteSize)) {
                return arena.segment.asSlice(address - arena.base, newByteSize);
            }
        } finally {
            if (owner != null) {
                owner.exit();
            } else {
                heap.lock.unlock(me);
            }
        }
        // Move, without the old stripe held (no path holds two stripes). The old block is read through its
        // arena's scoped segment: should the caller race this with a free of the same block and the arena be
        // unmapped (or the allocator closed), the read throws IllegalStateException instead of reaching
        // unmapped memory, and the free below then reports the race.
        MemorySegment moved = allocate(newByteSize, 1);
        try {
            MemorySegment.copy(arena.segment, address - arena.base, moved, 0, Math.min(blockSize, newByteSize));
        } catch (IllegalStateException raced) {
            try {
                free(moved);
            } catch (RuntimeException closed) {
                raced.addSuppressed(closed);
            }
            throw raced;
        }
        try {
            if (segment != null) {
                free(segment);
            } else {
                freeAddress(address);
            }
        } catch (IllegalArgumentException racedWithAnotherFree) {
            free(moved);
            throw racedWithAnotherFree;
        }
        return moved;
    }

    private MemorySegment reallocateOnSystem(MemorySegment segment, long address, long newByteSize) {
        if (segment != null) {
            Checks.requireNative(segment);
        }
        systemLock.lock();
        try {
            checkOpen();
            return system.reallocate(systemBlock(segment, address), newByteSize);
        } finally {
            systemLock.unlock();
        }
    }

    @Override
    public Geometry geometry() {
        return geometry;
    }

    /**
     * A consistent snapshot: every stripe's lock and the system lock are held, and every stripe's owner
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
            return StatsCollector.collect(List.of(stripes), system);
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
            return OccupancyCollector.collect(List.of(stripes));
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
            statsAtClose = StatsCollector.collect(List.of(stripes), system);
            closed = true;
            system.freeAll();
            for (Heap heap : stripes) {
                heap.lock.retire();
                heap.releaseAll();
            }
        } finally {
            unlockAll();
        }
        LeakDetection.reportAtClose(statsAtClose, handles.atClose());
    }

    /** Each stripe's retained arenas go back to the OS, under its lock with its owner kept out. */
    @Override
    public void trim() {
        for (Heap heap : stripes) {
            heap.lock.lockExcludingOwner();
            try {
                checkOpen();
                heap.trim();
            } finally {
                heap.lock.releaseExcludingOwner();
            }
        }
    }

    /** Checks every stripe's invariants, each under its lock with its owner kept out; for tests. */
    void checkInvariants() {
        for (Heap heap : stripes) {
            heap.lock.lockExcludingOwner();
            try {
                checkOpenAndCollect(heap);
                heap.checkInvariants();
            } finally {
                heap.lock.releaseExcludingOwner();
            }
        }
    }

    /** How many times stripes were biased to an owner, and how many of those biases were revoked; for tests. */
    long[] biasGrantsAndRevocations() {
        lockAll();
        try {
            long grants = 0;
            long revocations = 0;
            for (Heap heap : stripes) {
                grants += heap.lock.grants();
                revocations += heap.lock.revocations();
            }
            return new long[] {grants, revocations};
        } finally {
            unlockAll();
        }
    }

    int stripeCount() {
        return stripes.length;
    }

    /**
     * Locks in one fixed order (stripes, then system; no other path holds two locks, so no deadlock) and
     * keeps every stripe's owner out, with one process-wide barrier for all of them (biases are kept),
     * then returns the blocks other threads freed to their pools, so that what follows sees them free.
     */
    private void lockAll() {
        boolean anyOwner = false;
        for (Heap heap : stripes) {
            anyOwner |= heap.lock.acquireExcludingOwner();
        }
        if (anyOwner) {
            NativeMemory.processBarrier();
            for (Heap heap : stripes) {
                heap.lock.awaitOwnerIdle();
            }
        }
        if (!closed) { // after close, a racing push may have left blocks of unmapped arenas: never read them
            for (Heap heap : stripes) {
                heap.drainRemoteFrees();
            }
        }
        systemLock.lock();
    }

    private void unlockAll() {
        systemLock.unlock();
        for (int i = stripes.length - 1; i >= 0; i--) {
            stripes[i].lock.releaseExcludingOwner();
        }
    }

    /** With {@code heap}'s stripe held: the allocator is open, and blocks other threads freed are back. */
    private void checkOpenAndCollect(Heap heap) {
        checkOpen();
        heap.drainRemoteFrees();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("allocator is closed");
        }
    }
}
