package org.jpymalloc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One pymalloc arena: {@code arenaSize} bytes from {@code mmap}, cut into pools (obmalloc's
 * {@code struct arena_object}). Named "mapped arena" so that it is never mistaken for a
 * {@link java.lang.foreign.Arena}, which here only serves as the arena's <em>scope</em>.
 *
 * <pre>
 * base (from mmap)                                                   base + arenaSize
 * | lost to alignment | pool | pool | ... | pool | virgin ... virgin | lost |
 *                     ^firstPool                 ^nextVirginPool
 * </pre>
 *
 * <ul>
 *   <li>Pools below {@code nextVirginPool} have been carved: each is used, full or empty. Empty ones
 *       form the singly linked {@code freePools} list through their headers' {@code nextPool}.</li>
 *   <li>{@code freePoolCount} counts empty plus virgin pools; the arena is on the usable list
 *       ({@link UsableArenas}) exactly when it is positive.</li>
 *   <li>Every user segment is a slice of {@link #segment}, whose scope is {@link #scope}, that of the
 *       JDK arena {@link #jdkArena}: closing it (which unmaps the arena) makes every such segment throw
 *       {@link IllegalStateException} on access instead of reaching unmapped memory.</li>
 *   <li>{@link #liveBlocks} has a bit per alignment unit, set exactly at the start of each allocated
 *       block: it is how {@code free} tells a live block from a double free or an interior address,
 *       in O(1) and without a per-block header.</li>
 * </ul>
 */
final class MappedArena implements ArenaView {

    /** The heap whose pools these are; in a shared allocator, its lock guards this arena. */
    final Heap heap;
    /** The slot in the heap's arena table; reassigned when a spare arena is reused. */
    int index;
    final long base;
    final long byteSize;
    final long firstPool;
    final int totalPools;
    /** The JDK arena whose closing unmaps this arena's memory (a confined or shared {@link Arena}). */
    final Arena jdkArena;
    /** {@code jdkArena.scope()}: the scope of every segment sliced from this arena, compared in one load. */
    final MemorySegment.Scope scope;
    final MemorySegment segment;
    private final long[] liveBlocks;
    /**
     * Shared heaps only (else null): a bit per alignment unit, set with a CAS by a thread that pushed the
     * block starting there on its heap's {@link RemoteFrees}, cleared when it is collected.
     */
    private final long[] remotePending;
    private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);
    /**
     * Per alignment unit, for the block starting there: its block size minus the bytes requested (0 to
     * 255: less than the alignment, or up to a quarter of the block after an in-place realloc; Geometry's
     * limits keep both below 256). Gives exact requested bytes per class without a header in the block;
     * 1 byte per 16 (or 8) arena bytes, and only when the heap tracks requested bytes (else null).
     */
    final byte[] slack;
    /**
     * Per pool, the size class it serves, unsigned (at most {@link Geometry#MAX_SIZE_CLASSES}); kept on the
     * Java heap so that free needs no pool-header read. Read it with {@link #poolClassOf}.
     */
    final byte[] poolClass;
    private final int alignmentShift;
    private final int poolShift;

    /** False once unmapped (read under the owning heap's lock in a shared allocator). */
    boolean mapped = true;
    long freePools;
    int freePoolCount;
    long nextVirginPool;
    /** When its heap took it ({@link ArenaView#mappedSequence()}), set by {@link ArenaTable}. */
    long mappedSequence;
    /** The heap's pool-event count when a pool last left or came back ({@link RankedArenas} keeps it). */
    long lastUsed;
    /** Links of CPython's usable-arenas list, kept by {@link FullestFirstArenas}. */
    MappedArena nextUsable;
    MappedArena prevUsable;

    /** Describes an arena at {@code base}; {@link #map} is the way to get a real one (tests use this for fakes). */
    MappedArena(Heap heap, int index, long base, Geometry geometry, Arena scope, MemorySegment segment) {
        this.heap = heap;
        this.index = index;
        this.base = base;
        this.byteSize = geometry.arenaSize();
        long poolMask = geometry.poolSize() - 1;
        this.firstPool = (base + poolMask) & ~poolMask;
        long lost = firstPool == base ? 0 : 1; // obmalloc gives up one pool when the base is unaligned
        this.totalPools = (int) (geometry.arenaSize() / geometry.poolSize() - lost);
        this.jdkArena = scope;
        this.scope = scope == null ? null : scope.scope();
        this.segment = segment;
        this.alignmentShift = geometry.alignmentShift();
        this.poolShift = Long.numberOfTrailingZeros(geometry.poolSize());
        int units = Math.toIntExact(geometry.arenaSize() >>> alignmentShift); // at most 2^27 (Geometry)
        this.liveBlocks = new long[(units + 63) >>> 6];
        this.remotePending = heap != null && heap.lock != null ? new long[liveBlocks.length] : null;
        this.slack = heap != null && heap.trackRequested ? new byte[units] : null;
        this.poolClass = new byte[totalPools];
        this.freePoolCount = totalPools;
        this.nextVirginPool = firstPool;
    }

    /**
     * Maps a new arena for {@code heap} in slot {@code index}; {@link ArenaTable} is the caller, with the
     * budget and usage. Its scope is a confined or shared {@link Arena} matching the allocator's thread
     * model; closing that scope unmaps the memory.
     */
    static MappedArena map(Heap heap, int index, boolean shared) throws NativeMemory.NativeCallException {
        long size = heap.geometry.arenaSize();
        long base = NativeMemory.mmap(size);
        Arena scope = shared ? Arena.ofShared() : Arena.ofConfined();
        MemorySegment segment = MemorySegment.ofAddress(base)
                .reinterpret(size, scope, ignored -> NativeMemory.munmap(base, size));
        return new MappedArena(heap, index, base, heap.geometry, scope, segment);
    }

    /**
     * Makes a wholly free arena look freshly mapped, for reuse as a spare: every pool virgin again. Its
     * memory, scope and live bitmap (all clear) are kept; old pool headers are rewritten when carved.
     */
    void resetForReuse(int newIndex) {
        assert isWhollyFree() && liveBitsBetween(base, base + byteSize) == 0 : this + " is not wholly free";
        index = newIndex;
        freePools = 0;
        freePoolCount = totalPools;
        nextVirginPool = firstPool;
        nextUsable = prevUsable = null;
        lastUsed = 0;
    }

    /**
     * Invalidates every segment sliced from this arena, then returns its memory to the OS ({@link ArenaTable}
     * is the caller). For a shared scope, closing makes the JDK wait (a handshake) until no thread is inside
     * an access to it.
     */
    void close() {
        mapped = false;
        jdkArena.close();
    }

    /**
     * Takes a free pool: the front of the arena's free pools (its header still names the class it last
     * served), else the next virgin pool, its header's arena index and "no class yet" written as obmalloc
     * does when it carves one. The caller keeps {@link #freePoolCount} and the usable order.
     */
    long takePool() {
        long pool = freePools;
        if (pool != 0) {
            freePools = PoolHeader.nextPool(pool);
            return pool;
        }
        pool = nextVirginPool;
        nextVirginPool += 1L << poolShift;
        PoolHeader.arenaIndex(pool, index);
        PoolHeader.sizeClassIndex(pool, PoolHeader.NO_SIZE_CLASS);
        return pool;
    }

    /** An emptied pool goes to the front of the arena's free pools (LIFO, as in obmalloc). */
    void returnPool(long pool) {
        PoolHeader.nextPool(pool, freePools);
        freePools = pool;
    }

    /**
     * Whether {@code segment} was sliced from this arena: of this arena's scope. Identity, as the JDK's
     * scope objects are unique per lifetime (an {@code equals} call through the {@code Scope} interface
     * would not inline on the hot path). That also proves the segment native: only a native segment can
     * be given an arena's scope ({@code reinterpret}), and a slice keeps its parent's, so a heap segment
     * at a block's address is never owned. No {@code isNative()} call: about 80 of the JIT's parse nodes
     * on every free (docs/design.md, "Performance notes").
     */
    boolean owns(MemorySegment segment) {
        return scope == segment.scope();
    }

    boolean contains(long address) {
        return Long.compareUnsigned(address - base, byteSize) < 0;
    }

    boolean isWhollyFree() {
        return freePoolCount == totalPools;
    }

    boolean isLive(long block) {
        int bit = bitIndex(block);
        return (liveBlocks[bit >>> 6] & (1L << bit)) != 0;
    }

    /** Index of {@code block}'s alignment unit, for {@link #slack}. */
    int unitIndex(long block) {
        return (int) ((block - base) >>> alignmentShift);
    }

    /** Index of the pool holding {@code block}, for {@link #poolClass}. */
    int poolIndex(long block) {
        return (int) ((block - firstPool) >>> poolShift);
    }

    /** The size class of the pool holding {@code block}, as recorded when the pool was set up. */
    int poolClassOf(long block) {
        return poolClass[poolIndex(block)] & 0xFF;
    }

    /** Marks a block live; false (and nothing changed) if it already was: the free list is corrupt. */
    boolean markLive(long block) {
        int bit = bitIndex(block);
        long word = liveBlocks[bit >>> 6];
        liveBlocks[bit >>> 6] = word | (1L << bit);
        return (word & (1L << bit)) == 0;
    }

    /**
     * Marks a block free; false (and nothing changed) if it was not live, or another thread already
     * freed it and it waits on its heap's {@link RemoteFrees} (a plain read of the pending bit: the owner
     * of the stripe, or its lock holder, calls this): not a block to free. One bit index for both
     * bitmaps keeps the free path short.
     */
    boolean markFree(long block) {
        int bit = bitIndex(block);
        int index = bit >>> 6;
        long mask = 1L << bit;
        long word = liveBlocks[index];
        if ((word & mask) == 0 || remotePending != null && (remotePending[index] & mask) != 0) {
            return false;
        }
        liveBlocks[index] = word & ~mask;
        return true;
    }

    /**
     * Marks a live block as freed by another thread and waiting on its heap's {@link RemoteFrees}; false
     * (nothing changed) if it already was. Any thread; atomic.
     */
    boolean markRemotePending(long block) {
        int bit = bitIndex(block);
        long mask = 1L << bit;
        return ((long) WORDS.getAndBitwiseOr(remotePending, bit >>> 6, mask) & mask) == 0;
    }

    /** Clears the pending mark when the block is collected; atomic (other threads set other bits). */
    void clearRemotePending(long block) {
        int bit = bitIndex(block);
        WORDS.getAndBitwiseAnd(remotePending, bit >>> 6, ~(1L << bit));
    }

    /** True if another thread freed the block and it waits to be collected (a plain read). */
    boolean isRemotePending(long block) {
        int bit = bitIndex(block);
        return remotePending != null && (remotePending[bit >>> 6] & (1L << bit)) != 0;
    }

    /** Number of live-block bits set in {@code [from, to)}; used by invariant checks. */
    int liveBitsBetween(long from, long to) {
        int count = 0;
        for (long a = from; a < to; a += 1L << alignmentShift) {
            if (isLive(a)) {
                count++;
            }
        }
        return count;
    }

    private int bitIndex(long address) {
        return (int) ((address - base) >>> alignmentShift);
    }

    @Override
    public long address() {
        return base;
    }

    @Override
    public int freePools() {
        return freePoolCount;
    }

    @Override
    public int totalPools() {
        return totalPools;
    }

    @Override
    public long mappedSequence() {
        return mappedSequence;
    }

    @Override
    public long lastUsed() {
        return lastUsed;
    }

    @Override
    public String toString() {
        return "arena " + index + " at 0x" + Long.toHexString(base);
    }
}
