package org.jpymalloc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Requests pools do not serve (0 bytes, above the threshold, or over-aligned), passed to the C library
 * as obmalloc passes them to {@code PyMem_RawMalloc}: {@code malloc} ({@code malloc(1)} for 0 bytes, so
 * the address is unique), {@code calloc}, {@code posix_memalign} (alignments above malloc's 16 bytes), {@code free};
 * a resize is a new block, a copy and a free, so that the old block's scope closes before its memory goes back.
 *
 * <p>Each block gets a scope of its own, closed when the block is freed (or reallocated elsewhere, or
 * the allocator closes): unlike a pool block, a freed system block's segment can never reach memory
 * that {@code free} gave back to the C library. The live blocks are kept in an {@link AddressMap}, so
 * ownership and double frees are decided without touching the C library, and {@code close} can free
 * them all.
 *
 * <p>Not thread-safe: in a shared allocator each heap has one, used under the heap's guard (its owner's
 * handshake or its lock), and its blocks come from a {@link Source} that records their heap for frees
 * from other threads ({@link SystemBlockOwners}). In a shared allocator each
 * block's scope is a shared {@link Arena}, whose close costs a handshake with the JVM's threads (tens of
 * microseconds); in a confined one, a confined {@link Arena}. A path with a cache (a shared allocator's by
 * default, a confined one's when given {@code systemBlockCache}) keeps freed blocks, scopes open, in a
 * {@link SystemBlockCache} to serve again (a cached block is served without a scope to make or close, a
 * {@code malloc} or a {@code free}), closes a scope only when its block leaves the cache (trim, close, a
 * memory limit, the cache full, the decay), and asks the C library for the cache's rounded {@link
 * SystemBlockCache#capacityFor capacities}. A path without one (a confined allocator's by default, or
 * {@code systemBlockCache(0)}) asks for the bytes requested and closes each scope at free, as CPython
 * gives large blocks back to {@code free}.
 */
final class SystemPath {

    /**
     * A system block: the bytes asked for, its alignment, the scope its segments belong to, the bytes the
     * C library was asked for ({@code capacity}: at least {@code byteSize}), and, in a path that caches,
     * the segment handed out for it: a cached block served again for the same size and
     * alignment is handed out as it was, segment and all, so nothing is allocated on the Java heap. A
     * path without a cache keeps no segment (null): one the caller's code does not keep need not be allocated.
     */
    record Block(long address, long byteSize, long byteAlignment, Arena scope, long capacity, MemorySegment segment) {

        /** Whether this block, served again, is exactly what a request of {@code size} at {@code alignment} gets. */
        boolean serves(long size, long alignment) {
            return segment != null && byteSize == size && byteAlignment == alignment;
        }
    }

    /**
     * Where a path's blocks come from and go back to: the C library ({@link #C_LIBRARY}), or, for a thread
     * heap's own path, the C library with the block's heap recorded ({@link SystemBlockOwners}).
     */
    interface Source {

        /**
         * {@code malloc}, {@code calloc} or {@code posix_memalign} of {@code capacity} bytes (at least 1) at
         * {@code alignment}; 0 on failure.
         */
        long allocate(long capacity, long alignment, boolean zeroed);

        /** Gives the memory at {@code address}, which {@link #allocate} answered, back. */
        void free(long address);
    }

    /** The C library itself. */
    static final Source C_LIBRARY = new Source() {
        @Override
        public long allocate(long capacity, long alignment, boolean zeroed) {
            return allocateNative(capacity, alignment, zeroed);
        }

        @Override
        public void free(long address) {
            NativeMemory.free(address);
        }
    };

    /** What {@code malloc} guarantees on the 64-bit platforms we run on: larger alignments use posix_memalign. */
    static final long MALLOC_ALIGNMENT = 16;

    private final MemoryBudget budget;
    private final Source source;
    private final Usage usage;
    /** Freed blocks kept to serve again; null if this path keeps none (every scope closes at free). */
    private final SystemBlockCache cache;
    /** Whether block scopes are shared JDK arenas (a shared allocator's) rather than confined ones. */
    private final boolean sharedScopes;
    private final AddressMap<Block> live = new AddressMap<>();
    private long liveBytes;
    private long liveCapacity;
    private long peakLiveBytes;
    private long totalAllocations;

    /** A confined system path that keeps nothing: confined scopes, each closed at free. */
    SystemPath(MemoryBudget budget, Usage usage) {
        this.budget = budget;
        this.usage = usage;
        this.source = C_LIBRARY;
        this.cache = null;
        this.sharedScopes = false;
    }

    /**
     * A system path caching freed blocks of up to {@code maxBlockBytes}, at most {@code maxCachedBytes} of
     * them, each for at most {@code decay} ({@link SystemBlockCache}); its blocks come from {@code source},
     * each with a scope of its own, shared ({@code sharedScopes}) or confined to the calling thread.
     */
    SystemPath(MemoryBudget budget, Usage usage, long maxBlockBytes, long maxCachedBytes, java.time.Duration decay,
               Source source, boolean sharedScopes) {
        this.budget = budget;
        this.usage = usage;
        this.source = source;
        this.cache = new SystemBlockCache(maxBlockBytes, maxCachedBytes, decay.toNanos(), System::nanoTime,
                SystemBlockCache.CLOCK_TICKS, this::release);
        this.sharedScopes = sharedScopes;
    }

    /**
     * A block of {@code byteSize} bytes aligned to {@code byteAlignment} and to at least the geometry's
     * {@code poolAlignment} (a promise every block keeps, whichever path serves it).
     */
    MemorySegment allocate(long byteSize, long byteAlignment, long poolAlignment, boolean zeroed) {
        long alignment = Math.max(byteAlignment, poolAlignment);
        long capacity = capacityFor(byteSize, alignment);
        Block cached = cache == null ? null : cache.take(capacity, alignment);
        if (cached != null) {
            MemorySegment segment = cached.serves(byteSize, alignment) ? track(cached).segment()
                    : track(cached.address(), byteSize, alignment, cached.scope(), capacity);
            if (zeroed) {
                segment.fill((byte) 0);
            }
            return segment;
        }
        reserve(capacity, byteSize, "a system-path block");
        long address = source.allocate(capacity, alignment, zeroed);
        if (address == 0) {
            budget.release(capacity);
            throw new OutOfMemoryError("the C library could not allocate " + byteSize + " bytes (alignment "
                    + byteAlignment + "); " + live.size() + " system blocks of " + liveBytes + " bytes are live");
        }
        usage.mapped(capacity); // the C library's own overhead is not known: the block's bytes
        return track(address, byteSize, alignment, newScope(), capacity);
    }

    private long capacityFor(long byteSize, long alignment) {
        return cache == null ? byteSize : cache.capacityFor(byteSize, alignment);
    }

    /** Counts {@code bytes} in the budget, first giving cached blocks back if that makes room. */
    private void reserve(long bytes, long requested, String what) {
        try {
            budget.reserve(bytes, requested, what);
        } catch (MemoryLimitError full) {
            if (cache == null || trimCache() == 0) {
                throw full;
            }
            budget.reserve(bytes, requested, what);
        }
    }

    private Arena newScope() {
        return sharedScopes ? Arena.ofShared() : Arena.ofConfined();
    }

    /** {@code malloc}, {@code calloc} or {@code posix_memalign} ({@code malloc(1)} for 0 bytes); 0 on failure. */
    private static long allocateNative(long byteSize, long alignment, boolean zeroed) {
        long nativeSize = Math.max(byteSize, 1);
        if (alignment <= MALLOC_ALIGNMENT) {
            return zeroed ? NativeMemory.calloc(nativeSize) : NativeMemory.malloc(nativeSize);
        }
        long address = NativeMemory.alignedMalloc(nativeSize, alignment);
        if (address != 0 && zeroed) {
            NativeMemory.zero(address, nativeSize);
        }
        return address;
    }

    /**
     * The live block behind {@code segment} (a native one), or at {@code address} when it is null (the
     * address API); an {@link IllegalArgumentException} saying why not.
     */
    Block liveBlock(MemorySegment segment, long address) {
        if (segment == null) {
            return blockAt(address);
        }
        Checks.requireNative(segment);
        return blockOf(segment);
    }

    /** The live block at {@code address}, or null if the system path did not hand it out. */
    Block find(long address) {
        return live.get(address);
    }

    /** The live system block at {@code address} (the address API), or an exception saying it is none. */
    Block blockAt(long address) {
        Block block = live.get(address);
        if (block == null) {
            throw notLive(null, address);
        }
        return block;
    }

    /**
     * Why a segment (or, when null, an address) that no path holds as a live block cannot be freed or
     * resized: never allocated, or already freed.
     */
    static IllegalArgumentException notLive(MemorySegment segment, long address) {
        if (segment == null) {
            return Checks.badAddress(address, "was never allocated by this allocator (or was already freed)");
        }
        return Checks.badSegment(segment, segment.scope().isAlive()
                ? "was never allocated by this allocator (or was already freed)"
                : "belongs to memory already freed: its block was freed or reallocated, or its allocator closed");
    }

    /**
     * The live system block behind {@code segment} (a native segment no arena owns), or an
     * {@link IllegalArgumentException} saying what the segment is.
     */
    Block blockOf(MemorySegment segment) {
        Block block = live.get(segment.address());
        if (block == null) {
            throw notLive(segment, segment.address());
        }
        if (block.scope().scope() != segment.scope()) {
            throw stale(segment);
        }
        return block;
    }

    private static IllegalArgumentException stale(MemorySegment segment) {
        return Checks.badSegment(segment, "is a stale segment: the system block now at this address was"
                + " allocated later (the one it came from was already freed)");
    }

    /** Frees a live block: into the cache, or (no cache, not cacheable, cache full) back to the C library. */
    void free(Block block) {
        untrack(block);
        dispose(block);
    }

    /**
     * Frees the live block at {@code address} if there is one, as {@link #free} does, with one probe of the
     * live blocks instead of three: false, having changed nothing, if none is live there. {@code segment},
     * when not null (the address API passes null), must be a native segment: a stale one of the block now
     * at its address is rejected, the block left live.
     */
    boolean freeIfLive(MemorySegment segment, long address) {
        Block block = live.remove(address);
        if (block == null) {
            return false;
        }
        if (segment != null && block.scope().scope() != segment.scope()) {
            live.put(address, block);
            throw stale(segment);
        }
        uncount(block);
        dispose(block);
        return true;
    }

    /** A block no longer live goes to the cache, or (no cache, not cacheable, cache full) back to the C library. */
    private void dispose(Block block) {
        if (cache == null || !cache.offer(block)) {
            release(block);
        }
    }

    /** Closes the block's scope, then gives its memory back to the C library. */
    private void release(Block block) {
        block.scope().close();
        source.free(block.address());
        budget.release(block.capacity());
        usage.unmapped(block.capacity());
    }

    /** Gives every cached block back to the C library (their scopes closed first); answers how many. */
    int trimCache() {
        return cache == null ? 0 : cache.drain();
    }

    Usage usage() {
        return usage;
    }

    /**
     * Resizes a block (pymalloc's realloc of a foreign pointer): a new block with the old one's alignment,
     * the contents copied, then the old block's scope closed, and only then its memory freed. So no
     * segment of the old block, in any thread, can reach memory the C library already took back (with
     * {@code realloc} the memory could go back first). On failure the old block and its segments stay
     * valid. On success, without a cache, the old block's segments are invalidated; with one, a new size
     * of the block's own capacity step keeps the block where it is, as pymalloc keeps a pool block that
     * still fits (its old segments stay valid, with their old size), and otherwise the
     * old block goes to the cache like any freed block.
     */
    MemorySegment reallocate(Block block, long newByteSize) {
        if (cache != null) {
            if (newByteSize > 0 && capacityFor(newByteSize, block.byteAlignment()) == block.capacity()) {
                untrack(block);
                return track(block.address(), newByteSize, block.byteAlignment(), block.scope(), block.capacity());
            }
            MemorySegment moved;
            try {
                moved = allocate(newByteSize, 1, block.byteAlignment(), false);
            } catch (MemoryLimitError full) {
                return reallocateInBudget(block, newByteSize); // the old block's bytes count towards the new
            } catch (OutOfMemoryError failed) {
                throw cannotResize(block, newByteSize);
            }
            NativeMemory.copy(block.address(), moved.address(), Math.min(block.byteSize(), newByteSize));
            free(block);
            return moved;
        }
        return reallocateInBudget(block, newByteSize);
    }

    /** {@link #reallocate} counting only the growth: the old block is released, not cached. */
    private MemorySegment reallocateInBudget(Block block, long newByteSize) {
        long capacity = capacityFor(newByteSize, block.byteAlignment());
        long growth = capacity - block.capacity();
        if (growth > 0) {
            reserve(growth, newByteSize, "a larger system-path block");
        }
        long address = source.allocate(capacity, block.byteAlignment(), false);
        if (address == 0) {
            if (growth > 0) {
                budget.release(growth);
            }
            throw cannotResize(block, newByteSize);
        }
        NativeMemory.copy(block.address(), address, Math.min(block.byteSize(), newByteSize));
        untrack(block);
        block.scope().close();
        source.free(block.address());
        if (growth < 0) {
            budget.release(-growth);
        }
        usage.unmapped(block.capacity());
        usage.mapped(capacity);
        return track(address, newByteSize, block.byteAlignment(), newScope(), capacity);
    }

    private static OutOfMemoryError cannotResize(Block block, long newByteSize) {
        return new OutOfMemoryError("the C library could not resize the " + block.byteSize() + "-byte block at 0x"
                + Long.toHexString(block.address()) + " to " + newByteSize + " bytes; the block is unchanged");
    }

    /** Frees every live block and empties the cache; every segment becomes inaccessible. */
    void freeAll() {
        for (Block block : live.values()) {
            untrack(block);
            release(block);
        }
        trimCache();
    }

    int liveCount() {
        return live.size();
    }

    long liveBytes() {
        return liveBytes;
    }

    long peakLiveBytes() {
        return peakLiveBytes;
    }

    /** Bytes held from the C library: the capacities of live and cached blocks. */
    long heldBytes() {
        return liveCapacity + (cache == null ? 0 : cache.cachedBytes());
    }

    /** Freed blocks kept to serve again. */
    int cachedCount() {
        return cache == null ? 0 : cache.cachedBlocks();
    }

    long totalAllocations() {
        return totalAllocations;
    }

    /** Counts a new block live; answers its segment, which the block keeps only if this path caches. */
    private MemorySegment track(long address, long byteSize, long byteAlignment, Arena scope, long capacity) {
        MemorySegment segment = MemorySegment.ofAddress(address).reinterpret(byteSize, scope, null);
        track(new Block(address, byteSize, byteAlignment, scope, capacity, cache == null ? null : segment));
        return segment;
    }

    /** Counts {@code block} live. */
    private Block track(Block block) {
        usage.allocated(block.byteSize());
        live.put(block.address(), block);
        liveBytes += block.byteSize();
        liveCapacity += block.capacity();
        peakLiveBytes = Math.max(peakLiveBytes, liveBytes);
        totalAllocations++;
        return block;
    }

    private void untrack(Block block) {
        live.remove(block.address());
        uncount(block);
    }

    /** Counts {@code block}, already out of the live blocks, no longer live. */
    private void uncount(Block block) {
        liveBytes -= block.byteSize();
        liveCapacity -= block.capacity();
        usage.freed(block.byteSize());
    }
}
