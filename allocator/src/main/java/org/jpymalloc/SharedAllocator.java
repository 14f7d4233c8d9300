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
 * arenas and usable-arena order) guarded by its own lock. A thread allocates from the stripe its thread id
 * selects; a free goes to the stripe that owns the block's arena, found without a lock through the shared
 * copy-on-write {@link ArenaMap}. So there is no global lock on any path, threads on different stripes
 * never contend, and a block freed by another thread returns to its own pool as in pymalloc.
 *
 * <pre>
 *  thread (id % stripes) ──allocate──► stripe k: lock ─ Heap k ─ arenas of k
 *  any thread ──free(block)──► ArenaMap (lock-free) ─► arena.heap ─► its stripe's lock ─► Heap.free
 * </pre>
 *
 * <p>There is no per-thread state: a thread that dies leaves nothing behind (its blocks and pools belong
 * to stripes, and any thread may free them), and a million virtual threads cost nothing more than one.
 * The price is one uncontended lock per operation, and at least one arena per stripe in use. The system
 * path has a lock of its own. {@link #stats()} holds every lock while it walks, so even a snapshot taken
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
        this(geometry, defaultStripes(), Heap.defaultSpareArenas(geometry));
    }

    SharedAllocator(Geometry geometry, int stripeCount, int spareArenas) {
        this(geometry, stripeCount, spareArenas, HandleSettings.defaults(), MemoryBudget.unlimited(), false);
    }

    /** {@code spareArenas} is per stripe; {@code budget} is shared by every stripe and the system path. */
    SharedAllocator(Geometry geometry, int stripeCount, int spareArenas, HandleSettings handles, MemoryBudget budget,
                    boolean trackRequested) {
        this.handles = Objects.requireNonNull(handles, "handles");
        this.geometry = Objects.requireNonNull(geometry, "geometry");
        if (stripeCount < 1 || Integer.bitCount(stripeCount) != 1) {
            throw new IllegalArgumentException("stripe count must be a positive power of two: " + stripeCount);
        }
        this.arenaMap = new ArenaMap(geometry);
        ArenaCounters counters = new ArenaCounters();
        this.stripes = new Heap[stripeCount];
        for (int i = 0; i < stripeCount; i++) {
            stripes[i] = new Heap(geometry, true, arenaMap, counters, spareArenas, budget, new Usage(),
                    trackRequested);
        }
        this.system = new SystemPath(true, budget, new Usage());
        this.stripeMask = stripeCount - 1;
        this.threshold = geometry.smallRequestThreshold();
        this.alignment = geometry.alignment();
        this.alignmentShift = geometry.alignmentShift();
    }

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

    private MemorySegment allocateFromPool(long byteSize) {
        Heap heap = stripeOfCurrentThread();
        heap.lock.lock();
        try {
            checkOpen();
            return heap.allocateSegment((int) ((byteSize - 1) >>> alignmentShift), byteSize);
        } finally {
            heap.lock.unlock();
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
        MappedArena arena = stripeOfCurrentThread().cachedArena(address);
        if (arena == null || !freeInArena(segment, arena, address)) {
            freeWithoutCache(segment, address);
        }
    }

    /**
     * Off the hot path: the arena from the map (the cache missed, or its arena was released, and its
     * range possibly remapped, before we locked it), or the system path.
     */
    private void freeWithoutCache(MemorySegment segment, long address) {
        MappedArena arena = arenaMap.lookup(address);
        if (arena == null) {
            freeFromSystem(segment);
        } else if (!freeInArena(segment, arena, address)) {
            throw notAPoolBlock(segment, arena);
        }
    }

    /** Frees under the arena's heap lock; false if the arena is no longer mapped. */
    private boolean freeInArena(MemorySegment segment, MappedArena arena, long address) {
        Heap heap = arena.heap;
        heap.lock.lock();
        try {
            checkOpen();
            if (!arena.mapped) {
                return false;
            }
            if (!arena.owns(segment) || !heap.free(arena, address)) {
                throw notAPoolBlock(segment, arena);
            }
            return true;
        } finally {
            heap.lock.unlock();
        }
    }

    private Heap stripeOfCurrentThread() {
        return stripes[(int) Thread.currentThread().threadId() & stripeMask];
    }

    private void freeFromSystem(MemorySegment segment) {
        Checks.requireNative(segment);
        systemLock.lock();
        try {
            checkOpen();
            system.free(system.blockOf(segment));
        } finally {
            systemLock.unlock();
        }
    }

    /** Under the arena's heap lock: what the segment is, when it is not a live block of the arena. */
    private static IllegalArgumentException notAPoolBlock(MemorySegment segment, MappedArena arena) {
        if (!arena.mapped) {
            return Checks.badSegment(segment, "belongs to memory already freed: its arena was returned to the OS");
        }
        return Checks.badSegment(segment, BlockDiagnosis.describe(arena.heap, arena, segment));
    }

    @Override
    public MemorySegment reallocate(MemorySegment segment, long newByteSize) {
        long address = segment.address();
        Checks.newSize(newByteSize);
        MappedArena arena = arenaMap.lookup(address);
        if (arena == null) {
            return reallocateOnSystem(segment, newByteSize);
        }
        long blockSize;
        Heap heap = arena.heap;
        heap.lock.lock();
        try {
            checkOpen();
            if (!arena.owns(segment) || !arena.mapped || !heap.isLiveBlock(arena, address)) {
                throw notAPoolBlock(segment, arena);
            }
            blockSize = heap.blockSize(address);
            if (heap.resizeInPlace(arena, address, blockSize, newByteSize)) {
                return arena.segment.asSlice(address - arena.base, newByteSize);
            }
        } finally {
            heap.lock.unlock();
        }
        // Move: the caller owns the live block, so reading it needs no lock; no two locks are ever held.
        MemorySegment moved = allocate(newByteSize, 1);
        NativeMemory.copy(address, moved.address(), Math.min(blockSize, newByteSize));
        try {
            free(segment);
        } catch (IllegalArgumentException racedWithAnotherFree) {
            free(moved);
            throw racedWithAnotherFree;
        }
        return moved;
    }

    private MemorySegment reallocateOnSystem(MemorySegment segment, long newByteSize) {
        Checks.requireNative(segment);
        systemLock.lock();
        try {
            checkOpen();
            return system.reallocate(system.blockOf(segment), newByteSize);
        } finally {
            systemLock.unlock();
        }
    }

    @Override
    public Geometry geometry() {
        return geometry;
    }

    /**
     * A consistent snapshot: every stripe's lock and the system lock are held during the walk (briefly
     * stopping allocation), so the figures add up even under load. After close: the snapshot taken then.
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
                heap.releaseAll();
            }
        } finally {
            unlockAll();
        }
        LeakDetection.reportAtClose(statsAtClose, handles.atClose());
    }

    /** Checks every stripe's invariants, each under its lock; for tests. */
    void checkInvariants() {
        for (Heap heap : stripes) {
            heap.lock.lock();
            try {
                checkOpen();
                heap.checkInvariants();
            } finally {
                heap.lock.unlock();
            }
        }
    }

    int stripeCount() {
        return stripes.length;
    }

    /** Locks in one fixed order (stripes, then system); no other path holds two locks, so no deadlock. */
    private void lockAll() {
        for (Heap heap : stripes) {
            heap.lock.lock();
        }
        systemLock.lock();
    }

    private void unlockAll() {
        systemLock.unlock();
        for (int i = stripes.length - 1; i >= 0; i--) {
            stripes[i].lock.unlock();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("allocator is closed");
        }
    }
}
