package org.jpymalloc;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Objects;

/**
 * The single-owner allocator: the public API over one {@link Heap} and one {@link SystemPath}, for the
 * thread that created it. This class owns the rules of the API (argument checks, the owner thread, the
 * closed state, which segments may be freed); the heap owns pymalloc's policies.
 *
 * <p>A segment may be freed only if it is native, its address is the start of a live block, and its
 * scope is the scope of the memory there: the last check rejects a stale segment whose address has since
 * been reused (an arena unmapped and mapped again, or another allocator's block).
 */
final class ConfinedAllocator implements PyMalloc {

    private final Geometry geometry;
    private final Heap heap;
    private final SystemPath system;
    private final long threshold;
    private final long alignment;
    private final int alignmentShift;
    /** The owner thread; null once closed, so one comparison guards both states on the hot path. */
    private Thread owner;
    private final Thread creator;
    private volatile MallocStats statsAtClose;
    private volatile MallocStats published;
    private final HandleSettings handles;

    /**
     * {@code systemCacheBytes}: the most bytes of freed system blocks kept to serve again ({@link
     * SystemBlockCache}); 0 keeps none, so that every free closes its block's scope.
     */
    ConfinedAllocator(Geometry geometry, ArenaRetention retention, ArenaPolicy policy, HandleSettings handles,
                      MemoryBudget budget, boolean trackRequested, long systemCacheBytes) {
        this.handles = Objects.requireNonNull(handles, "handles");
        this.geometry = Objects.requireNonNull(geometry, "geometry");
        Usage usage = new Usage(); // one thread: the heap and the system path share exact peaks
        this.heap = new Heap(geometry, null, new ArenaMap(geometry), new ArenaCounters(geometry), retention, policy,
                budget, usage, trackRequested);
        this.system = systemCacheBytes > 0
                ? new SystemPath(budget, usage, geometry.arenaSize(), systemCacheBytes, ArenaRetention.DEFAULT_DECAY,
                        SystemPath.C_LIBRARY, false)
                : new SystemPath(budget, usage);
        this.threshold = geometry.smallRequestThreshold();
        this.alignment = geometry.alignment();
        this.alignmentShift = geometry.alignmentShift();
        this.owner = Thread.currentThread();
        this.creator = owner;
    }

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        checkAccess();
        if (Checks.servedByPools(byteSize, byteAlignment, threshold, alignment)) {
            return allocateFromPool(byteSize);
        }
        Checks.sizeAndAlignment(byteSize, byteAlignment);
        return system.allocate(byteSize, byteAlignment, alignment, false);
    }

    @Override
    public MemorySegment allocateZeroed(long byteSize) {
        checkAccess();
        Checks.size(byteSize);
        if (byteSize == 0 || byteSize > threshold) {
            return system.allocate(byteSize, 1, alignment, true);
        }
        MemorySegment segment = allocateFromPool(byteSize);
        segment.fill((byte) 0);
        return segment;
    }

    private MemorySegment allocateFromPool(long byteSize) {
        return heap.allocateSegment((int) ((byteSize - 1) >>> alignmentShift), byteSize);
    }

    @Override
    public long allocateAddress(long byteSize) {
        return allocateAddress(byteSize, 1);
    }

    @Override
    public long allocateAddress(long byteSize, long byteAlignment) {
        checkAccess();
        if (Checks.servedByPools(byteSize, byteAlignment, threshold, alignment)) {
            return heap.allocateBlock((int) ((byteSize - 1) >>> alignmentShift), byteSize);
        }
        Checks.sizeAndAlignment(byteSize, byteAlignment);
        return system.allocate(byteSize, byteAlignment, alignment, false).address();
    }

    @Override
    public void free(MemorySegment segment) {
        checkAccess();
        long address = segment.address(); // NullPointerException for null, like the JDK's own methods
        MappedArena arena = heap.arenaOf(address);
        if (arena == null || !arena.owns(segment) || !heap.free(arena, address)) {
            freeNotInPool(segment, arena);
        }
    }

    /** Off the hot path: a system block, or not a block of this allocator at all. */
    private void freeNotInPool(MemorySegment segment, MappedArena arena) {
        system.free(systemBlock(segment, segment.address(), arena));
    }

    @Override
    public void freeAddress(long address) {
        checkAccess();
        MappedArena arena = heap.arenaOf(address);
        if (arena == null || !heap.free(arena, address)) {
            system.free(systemBlock(null, address, arena));
        }
    }

    @Override
    public MemorySegment reallocate(MemorySegment segment, long newByteSize) {
        checkAccess();
        return reallocate(segment, segment.address(), newByteSize);
    }

    @Override
    public long reallocateAddress(long address, long byteSize) {
        checkAccess();
        return reallocate(null, address, byteSize).address();
    }

    /** {@code segment}: the caller's, or null for the address API (then only the address is checked). */
    private MemorySegment reallocate(MemorySegment segment, long address, long newByteSize) {
        Checks.newSize(newByteSize);
        MappedArena arena = heap.arenaOf(address);
        if (arena == null || !isLivePoolBlock(segment, arena, address)) {
            return system.reallocate(systemBlock(segment, address, arena), newByteSize);
        }
        long blockSize = heap.blockSize(address);
        if (heap.resizeInPlace(arena, address, blockSize, newByteSize)) {
            return arena.segment.asSlice(address - arena.base, newByteSize);
        }
        MemorySegment moved = allocate(newByteSize, 1);
        NativeMemory.copy(address, moved.address(), Math.min(blockSize, newByteSize));
        heap.free(arena, address); // known live: checked above
        return moved;
    }

    private boolean isLivePoolBlock(MemorySegment segment, MappedArena arena, long address) {
        return (segment == null || arena.owns(segment)) && heap.isLiveBlock(arena, address);
    }

    /**
     * The live system block behind {@code segment} (or, when it is null, at {@code address}), or an
     * exception saying what the segment or address is.
     */
    private SystemPath.Block systemBlock(MemorySegment segment, long address, MappedArena arena) {
        if (segment == null) {
            if (arena != null) {
                throw Checks.badAddress(address, BlockDiagnosis.describe(heap, arena, address));
            }
            return system.blockAt(address);
        }
        Checks.requireNative(segment);
        if (arena != null) {
            throw Checks.badSegment(segment, BlockDiagnosis.describe(heap, arena, segment));
        }
        return system.blockOf(segment);
    }

    @Override
    public Geometry geometry() {
        return geometry;
    }

    /** A confined allocator has one thread already: thread heaps are the shared allocator's. */
    @Override
    public PyMalloc threadHeap() {
        throw new UnsupportedOperationException("a confined allocator has no thread heaps: build a shared one "
                + "with PyMalloc.ofShared() (or builder().shared(true)) and call threadHeap() on it");
    }

    @Override
    public MallocStats stats() {
        if (owner == null && statsAtClose != null) {
            return statsAtClose;
        }
        checkAccess();
        MallocStats stats = StatsCollector.collect(heap, system);
        published = stats;
        return stats;
    }

    /** The last snapshot the owner thread took (or the one taken at close), for JMX and JFR; may be null. */
    MallocStats published() {
        MallocStats last = statsAtClose;
        return last != null ? last : published;
    }

    @Override
    public Handle allocateHandle(long byteSize) {
        return Handle.wrap(this, allocate(byteSize, 1), handles);
    }

    @Override
    public ArenaOccupancy occupancy() {
        checkAccess();
        return OccupancyCollector.collect(List.of(heap));
    }

    @Override
    public void close() {
        checkAccess();
        statsAtClose = StatsCollector.collect(heap, system);
        owner = null;
        system.freeAll();
        heap.releaseAll();
        LeakDetection.reportAtClose(statsAtClose, handles.atClose());
    }

    /** Walks every structure and checks pymalloc's invariants; for tests. */
    void checkInvariants() {
        checkAccess();
        heap.checkInvariants();
    }

    Heap heap() {
        return heap;
    }

    @Override
    public void trim() {
        checkAccess();
        heap.trim();
        system.trimCache();
    }

    private void checkAccess() {
        if (Thread.currentThread() != owner) {
            throw accessDenied();
        }
    }

    /** Kept out of line: the hot paths stay small enough for the JIT to inline them. */
    private RuntimeException accessDenied() {
        return owner == null
                ? new IllegalStateException("allocator is closed")
                : new WrongThreadException("allocator is confined to " + creator + "; called from "
                        + Thread.currentThread());
    }
}
