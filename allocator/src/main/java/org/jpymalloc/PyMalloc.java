package org.jpymalloc;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

/**
 * CPython's small-object allocator (pymalloc) on off-heap memory: arenas mapped from the OS, cut into
 * pools, each pool serving one size class of blocks. Requests pools do not serve (0 bytes, above
 * {@link Geometry#smallRequestThreshold()}, or aligned above {@link Geometry#alignment()}) go to the C
 * library's {@code malloc}.
 *
 * <p>Unlike a {@link java.lang.foreign.Arena}, every block is freed on its own ({@link #free}); an arena
 * left wholly free goes back to the OS after {@link Builder#arenaDecay} (at once with a zero decay, but the
 * last usable one, as CPython 3.9+ does). {@link #close()} frees everything at once. Memory is not zeroed
 * (as in pymalloc and {@code malloc}), except by {@link #allocateZeroed(long)}.
 *
 * <p><b>Lifetime safety.</b> Once the memory behind a segment is returned (its arena unmapped, its system
 * block freed, or the allocator closed), any access through it throws {@link IllegalStateException}. A
 * freed pool block whose arena is still mapped remains accessible, as in C: use-after-free there corrupts
 * data but never the JVM (the allocator checks every free-list link it follows).
 *
 * <p><b>Threads.</b> {@link #ofConfined()} belongs to its creating thread, segments included, as
 * {@link java.lang.foreign.Arena#ofConfined()}; {@link #ofShared()} serves any thread, as
 * {@link java.lang.foreign.Arena#ofShared()}, and a thread that allocates much opens a {@link #threadHeap()}.
 *
 * <p><b>Misuse.</b> Bad sizes and alignments, freeing a segment this allocator did not hand out (a heap
 * segment, another allocator's block, an interior address, a block already freed) and any call after
 * {@link #close()} throw an exception whose message names the offending value; the allocator and all
 * its live blocks are unaffected.
 */
public sealed interface PyMalloc extends SegmentAllocator, AutoCloseable
        permits ConfinedAllocator, SharedAllocator, Decorator, ThreadHeap, DecoratedThreadHeap {

    /** A confined allocator with the default geometry, {@link Geometry#CPYTHON_3_9}. */
    static PyMalloc ofConfined() {
        return ofConfined(Geometry.CPYTHON_3_9);
    }

    /** A confined allocator with the given geometry. */
    static PyMalloc ofConfined(Geometry geometry) {
        return builder().geometry(geometry).build();
    }

    /** A thread-safe allocator with the default geometry, {@link Geometry#CPYTHON_3_9}. */
    static PyMalloc ofShared() {
        return ofShared(Geometry.CPYTHON_3_9);
    }

    /** A thread-safe allocator: heaps striped by thread, each with its lock (docs/design.md, "Shared mode"). */
    static PyMalloc ofShared(Geometry geometry) {
        return builder().geometry(geometry).shared(true).build();
    }

    /** A builder for an allocator with options: {@code PyMalloc.builder().geometry(g).shared(true).build()}. */
    static Builder builder() {
        return new Builder();
    }

    /** Options of an allocator; each setter validates its value. Not thread-safe. */
    final class Builder {

        private final AllocatorSettings settings = new AllocatorSettings();

        private Builder() {
        }

        /**
         * At most how many released arenas a heap keeps mapped for reuse (per stripe when shared), each until
         * reused unless {@link #arenaDecay} is also set: CPython unmaps a wholly free arena at once, so a
         * workload that empties and refills arenas pays {@code mmap}, {@code munmap} and page faults every
         * time. Statistics count retained arenas as reclaimed ({@link MallocStats#spareArenas()}). {@code 0}
         * gives CPython's policy exactly. Default: no count limit, each kept for the {@link #arenaDecay}.
         *
         * @throws IllegalArgumentException if negative
         */
        public Builder spareArenas(int spareArenas) {
            if (spareArenas < 0) {
                throw new IllegalArgumentException("spareArenas must not be negative: " + spareArenas);
            }
            settings.spareArenas = spareArenas;
            return this;
        }

        /**
         * How long a released arena stays mapped for reuse before it goes back to the OS (jemalloc's
         * {@code dirty_decay_ms}, mimalloc's purge delay), applied when the heap works at the pool or arena
         * level: an idle allocator keeps its retained arenas until it is used again, {@link PyMalloc#trim()}med
         * or closed. With {@link #spareArenas} also set, both limits apply. Default: 1 second (and no count
         * limit); {@code Duration.ZERO} unmaps at once, as CPython does.
         *
         * @throws IllegalArgumentException if negative
         */
        public Builder arenaDecay(java.time.Duration decay) {
            java.util.Objects.requireNonNull(decay, "arenaDecay");
            if (decay.isNegative()) {
                throw new IllegalArgumentException("arenaDecay must not be negative: " + decay);
            }
            settings.arenaDecay = decay;
            return this;
        }

        /** The geometry; default {@link Geometry#CPYTHON_3_9}. */
        public Builder geometry(Geometry geometry) {
            settings.geometry = java.util.Objects.requireNonNull(geometry, "geometry");
            return this;
        }

        /**
         * Which arena gives the next pool, and whether one wholly free arena is kept mapped
         * ({@link ArenaPolicy}); per stripe and thread heap when shared. Default {@link ArenaPolicy#CPYTHON}.
         */
        public Builder arenaPolicy(ArenaPolicy policy) {
            settings.arenaPolicy = java.util.Objects.requireNonNull(policy, "arenaPolicy");
            return this;
        }

        /** Whether any thread may use the allocator ({@link #ofShared()}); default false (confined). */
        public Builder shared(boolean shared) {
            settings.shared = shared;
            return this;
        }

        /**
         * How many {@link Handle}s are watched for leaks; default: the system property
         * {@value LeakDetection#LEVEL_PROPERTY}, else {@link LeakDetection.Level#SAMPLED}.
         */
        public Builder leakDetection(LeakDetection.Level level) {
            settings.leakDetection = java.util.Objects.requireNonNull(level, "leakDetection level");
            return this;
        }

        /** Also tells {@code listener} of every leak found (besides logging it); default: none. */
        public Builder leakListener(LeakDetection.Listener listener) {
            settings.leakListener = java.util.Objects.requireNonNull(listener, "leakListener");
            return this;
        }

        /**
         * Keep the requested bytes of every pool block (a byte per 16 arena bytes on the Java heap) and
         * running totals with peaks, for {@link MallocStats#requestedBytes()} and the fragmentation
         * measures. Costs the pair a fifth or more (docs/statistics.md); off (the default), statistics count
         * whole blocks as requested and keep no peaks of requested bytes.
         */
        public Builder trackRequestedBytes(boolean track) {
            settings.trackRequestedBytes = track;
            return this;
        }

        /**
         * Allocation-site tracing, like tracemalloc: each allocation's stack, {@code frames} deep, kept
         * until the block is freed ({@link PyMalloc#tracer()}); the report at close adds the sites of the
         * blocks still live; a JFR event per traced allocation. Costs a stack capture per traced
         * allocation (see {@link #tracingSampling}); off (the default), it costs nothing.
         *
         * @throws IllegalArgumentException unless {@code frames} is 1 to 100
         */
        public Builder tracing(int frames) {
            if (frames < 1 || frames > 100) {
                throw new IllegalArgumentException("tracing frames must be 1 to 100, got " + frames);
            }
            settings.tracingFrames = frames;
            return this;
        }

        /**
         * With {@link #tracing(int)}: trace one allocation in {@code oneIn}, chosen at random (figures are
         * the sample's, not scaled). Default: 1, every allocation.
         *
         * @throws IllegalArgumentException if {@code oneIn} is below 1
         */
        public Builder tracingSampling(int oneIn) {
            if (oneIn < 1) {
                throw new IllegalArgumentException("tracing sampling must be 1 or more (one in N), got " + oneIn);
            }
            settings.tracingSampling = oneIn;
            return this;
        }

        /**
         * Emit the JFR event {@code org.jpymalloc.Statistics} for this allocator under {@code name} while a
         * recording enables it (every second by default). Default: none.
         *
         * @throws IllegalArgumentException if {@code name} is blank
         */
        public Builder jfr(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("a JFR allocator name must not be blank: '" + name + "'");
            }
            settings.jfrName = name;
            return this;
        }

        /**
         * CPython's debug hooks ({@code PYTHONMALLOC=debug}): every block gets a header with its requested
         * size and 8 guard bytes ({@code 0xFD}) on each side, new memory is filled with {@code 0xCD}, freed
         * memory with {@code 0xDD}, and freed blocks wait in a bounded quarantine (1,024 blocks or 4 MiB)
         * before reuse. Guards are checked at {@code free} and {@code reallocate} and by
         * {@link PyMalloc#checkGuards()}; the fill of a quarantined block when it leaves the quarantine.
         * Damage throws {@link GuardDamageException}. Costs 24 bytes per block and a lock. Default: off.
         */
        public Builder debugHooks(boolean debugHooks) {
            settings.debugHooks = debugHooks;
            return this;
        }

        /**
         * What {@link PyMalloc#close()} does when blocks are still live: log a report of them per size class
         * ({@link LeakDetection.AtClose#LOG}), throw it, or say nothing. The blocks are freed either way.
         * Default: the system property {@value LeakDetection#AT_CLOSE_PROPERTY}, else {@code LOG}.
         */
        public Builder atClose(LeakDetection.AtClose atClose) {
            settings.atClose = java.util.Objects.requireNonNull(atClose, "atClose");
            return this;
        }

        /**
         * A limit on the memory the allocator holds: bytes of arenas mapped (spares included) plus bytes of
         * system-path blocks. A request that would pass it throws {@link MemoryLimitError} naming the
         * limit, the request and the usage; nothing allocated before is lost, and the allocator serves
         * requests again once memory is freed. Default: no limit.
         *
         * @throws IllegalArgumentException if {@code maxBytes} is not positive
         */
        public Builder maxBytes(long maxBytes) {
            if (maxBytes <= 0) {
                throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
            }
            settings.maxBytes = maxBytes;
            return this;
        }

        /**
         * The cache of freed system-path blocks (requests over the small request threshold, up to an
         * arena's size): at most {@code maxBytes} of them are kept, with their scopes, to serve again, each
         * for about a second (released by a later free), or until {@link PyMalloc#trim()} or {@code
         * close()}. A cached block is served again with no scope to make, no {@code malloc} and, at its
         * free, no {@code free} and no scope to close (for a shared allocator a handshake with every JVM
         * thread, tens of microseconds); a cached block's old segments still reach its memory, as a freed
         * pool block's do (docs/safety.md). Blocks are then asked of the C library at rounded capacities
         * (four steps per power of two, at most a quarter more), so that a cached block serves any request
         * of its step. 0 turns the cache off: each block is asked for at its size, and every free closes
         * its block's scope, so that a stale segment of a large block throws at once, and gives its memory
         * back. Default: 16 MiB for a shared allocator; none for a confined one, which then passes large
         * blocks to the C library as CPython does (set it on a confined allocator whose program frees and
         * allocates many blocks over the threshold: its pair at 1 KiB takes about 0.4x the time, for up to
         * this many bytes more at the peak; docs/benchmarks.md, "The system path alone"). The bound is per
         * heap, since each heap of a shared allocator (each stripe, each thread heap: {@link
         * PyMalloc#threadHeap()}) has a system path of its own: up to this much per heap that freed large
         * blocks within the decay.
         *
         * @throws IllegalArgumentException if {@code maxBytes} is negative
         */
        public Builder systemBlockCache(long maxBytes) {
            if (maxBytes < 0) {
                throw new IllegalArgumentException("systemBlockCache must be >= 0 bytes: " + maxBytes);
            }
            settings.systemBlockCache = maxBytes;
            return this;
        }

        /**
         * A new allocator; a confined one belongs to the calling thread.
         *
         * @throws IllegalArgumentException if a setting left to its system property
         *     ({@value LeakDetection#LEVEL_PROPERTY}, {@value LeakDetection#AT_CLOSE_PROPERTY}) names no value
         */
        public PyMalloc build() {
            return settings.build();
        }
    }

    /**
     * A thread heap: an allocator owned by the calling thread that allocates from this shared allocator's
     * memory through a heap of its own, with no lock and no routing (mimalloc's {@code mi_heap_t}); its pair
     * costs about what the confined allocator's does. Its allocations, {@code reallocate} and {@code close}
     * only from its thread (others get {@link WrongThreadException}); {@code free} and {@code freeAddress}
     * from any thread, of any live block of the shared allocator. {@link #close()} leaves its blocks live and
     * hands its heap to the next thread heap opened (a dead thread's heap is adopted too); closing the
     * shared allocator ends every thread heap ({@link IllegalStateException}). Statistics, occupancy, options
     * and {@code trim()} are the shared allocator's and cover every thread heap (docs/design.md, "Thread
     * heaps"). Called on a thread heap: another thread heap of the same shared allocator.
     *
     * @throws UnsupportedOperationException on a confined allocator, naming {@link #ofShared()}
     * @throws IllegalStateException if the allocator is closed
     */
    PyMalloc threadHeap();

    /**
     * Gives every arena the allocator retains for reuse ({@link Builder#arenaDecay}) back to the OS now,
     * and a shared allocator's cached free system blocks ({@link Builder#systemBlockCache}) back to the C
     * library, for a program about to go idle. Live blocks are untouched.
     *
     * @throws IllegalStateException if the allocator is closed, or, in confined mode, if called from another
     *     thread
     */
    void trim();

    /**
     * Allocates {@code byteSize} bytes (as {@link #allocate(long)}) behind a reference-counted
     * {@link Handle} with a count of 1; the release that brings the count to 0 frees the block. Tracked
     * by the allocator's leak detection ({@link Builder#leakDetection}).
     *
     * @throws IllegalArgumentException if {@code byteSize} is negative
     * @throws OutOfMemoryError as {@link #allocate(long, long)}
     */
    Handle allocateHandle(long byteSize);

    /**
     * Allocates {@code byteSize} bytes aligned to {@code byteAlignment} (contents unspecified). The
     * segment's size is exactly {@code byteSize}; its address is aligned to at least
     * {@link Geometry#alignment()}.
     *
     * @throws IllegalArgumentException if {@code byteSize} is negative or {@code byteAlignment} is not a
     *     positive power of two
     * @throws OutOfMemoryError if the OS or the C library cannot provide the memory; nothing changes
     */
    @Override
    MemorySegment allocate(long byteSize, long byteAlignment);

    /** Allocates {@code byteSize} zeroed bytes, like {@code calloc}. */
    MemorySegment allocateZeroed(long byteSize);

    /**
     * The address API: {@link #allocate(long)} without the segment, for programs that keep raw addresses
     * in their own off-heap structures (LWJGL's {@code nmemAlloc}, Netty's unsafe buffers). The same block,
     * the same rules; no {@link MemorySegment} is made, so nothing checks accesses through the address: it
     * gives up lifetime-checked access (docs/design.md, "The address API"). View it as a segment with
     * {@code MemorySegment.ofAddress(address).reinterpret(byteSize)} (a restricted method).
     *
     * @return the block's address, aligned to at least {@link Geometry#alignment()}
     * @throws IllegalArgumentException if {@code byteSize} is negative
     * @throws OutOfMemoryError as {@link #allocate(long, long)}
     */
    long allocateAddress(long byteSize);

    /**
     * {@link #allocateAddress(long)} aligned to {@code byteAlignment}, as {@link #allocate(long, long)}.
     *
     * @throws IllegalArgumentException if {@code byteSize} is negative or {@code byteAlignment} is not a
     *     positive power of two
     */
    long allocateAddress(long byteSize, long byteAlignment);

    /**
     * Frees the block at {@code address}, validated exactly as {@link #free(MemorySegment)}: a double free,
     * an interior address, a pool header or an address this allocator did not hand out throws
     * {@link IllegalArgumentException} naming the address and what it is, and nothing changes. (With no
     * segment there is no scope to compare: an address freed, its arena unmapped and the range mapped
     * again for a new block is that new block's address.)
     */
    void freeAddress(long address);

    /**
     * {@link #reallocate(MemorySegment, long)} by address: pymalloc's realloc rule, the contents kept up to
     * the smaller size; the old address must no longer be used when the block moves.
     *
     * @return the block's address, old or new
     * @throws IllegalArgumentException if {@code byteSize} is negative or {@code address} is not a live
     *     block of this allocator; the block is then untouched
     */
    long reallocateAddress(long address, long byteSize);

    /**
     * Resizes a block, keeping its contents up to the smaller size. A pool block stays in place when the
     * new size still fits and wastes less than a quarter of it ({@code newByteSize <= blockSize &&
     * 4 * newByteSize > 3 * blockSize}, pymalloc's rule); a system block is resized with {@code realloc}.
     * When the block moves, the old segment must no longer be used.
     *
     * @return a segment of exactly {@code newByteSize} bytes
     * @throws IllegalArgumentException if {@code newByteSize} is negative or the segment is not a live
     *     block of this allocator; the block is then untouched
     */
    MemorySegment reallocate(MemorySegment segment, long newByteSize);

    /**
     * Frees a block returned by this allocator.
     *
     * @throws IllegalArgumentException naming the address and what it is, if the segment is not a live
     *     block of this allocator (heap segment, foreign, interior, already freed)
     */
    void free(MemorySegment segment);

    Geometry geometry();

    /**
     * A snapshot of the allocator's state; O(pools). After {@link #close()} it answers the snapshot taken
     * when close began, which shows what was still live then.
     */
    MallocStats stats();

    /**
     * Every arena held and, per pool, its size class and live blocks: the data behind an occupancy map.
     * O(pools), taken like {@link #stats()} (consistent in shared mode).
     *
     * @throws IllegalStateException if the allocator is closed (its arenas are gone), or, in confined
     *     mode, if called from another thread
     */
    ArenaOccupancy occupancy();

    /**
     * With {@link Builder#debugHooks(boolean) debug hooks}, checks the guard bytes of every live block.
     *
     * @throws GuardDamageException for the first damaged block found
     * @throws IllegalStateException if debug hooks are off (there are no guards), as {@link #tracer()} does
     *     when tracing is off
     */
    default void checkGuards() {
        throw new IllegalStateException("debug hooks are off: build the allocator with "
                + "PyMalloc.builder().debugHooks(true)");
    }

    /**
     * The allocation-site tracer of an allocator built with {@link Builder#tracing(int)}.
     *
     * @throws IllegalStateException if tracing is off
     */
    default AllocationTracer tracer() {
        throw new IllegalStateException("tracing is off: build the allocator with PyMalloc.builder().tracing(frames)");
    }

    /**
     * Frees every block and unmaps every arena. Every segment handed out becomes inaccessible. Blocks
     * still live are reported per size class, as {@link Builder#atClose} says (logged by default).
     *
     * @throws IllegalStateException if already closed, or, with {@link LeakDetection.AtClose#THROW}, if
     *     blocks were still live (the allocator is closed all the same)
     */
    @Override
    void close();
}
