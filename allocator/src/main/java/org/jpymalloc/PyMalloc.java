package org.jpymalloc;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

/**
 * CPython's small-object allocator (pymalloc) on off-heap memory: arenas mapped from the OS, cut into
 * pools, each pool serving one size class of blocks. Requests pools do not serve (0 bytes, above
 * {@link Geometry#smallRequestThreshold()}, or aligned above {@link Geometry#alignment()}) go to the C
 * library's {@code malloc}.
 *
 * <p>Unlike a {@link java.lang.foreign.Arena}, every block is freed on its own ({@link #free}), and
 * memory goes back to the OS as soon as an arena is wholly free (the last usable one is kept, as
 * CPython 3.9+ does). {@link #close()} frees everything at once.
 *
 * <p><b>Contents.</b> {@link #allocate(long, long)} does not zero memory (pymalloc and {@code malloc}
 * do not; {@link SegmentAllocator} does not promise it); {@link #allocateZeroed(long)} does.
 *
 * <p><b>Lifetime safety.</b> A segment handed out stays usable until its block is freed. Once the
 * memory behind it is returned (its arena unmapped, its system block freed, or the allocator closed),
 * any access through the segment throws {@link IllegalStateException}; it never reaches unmapped
 * memory. A freed pool block whose arena is still mapped remains accessible, as in C: use-after-free
 * there corrupts data but never the JVM (the allocator checks every free-list link it follows).
 *
 * <p><b>Threads.</b> An allocator from {@link #ofConfined()} belongs to the thread that created it:
 * calls from another thread, and access to its segments from another thread, throw
 * {@link WrongThreadException}, as for {@link java.lang.foreign.Arena#ofConfined()}. An allocator from
 * {@link #ofShared()} may be used by any thread: any thread may free or reallocate any block, and
 * segments are accessible from every thread, as for {@link java.lang.foreign.Arena#ofShared()}; a thread
 * that allocates much opens a {@link #threadHeap()} of it, a heap of its own.
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

    /**
     * A thread-safe allocator with the given geometry: pymalloc heaps striped by thread, each with its own
     * lock; a block freed by another thread goes back to its own pool (see docs/design.md).
     */
    static PyMalloc ofShared(Geometry geometry) {
        return builder().geometry(geometry).shared(true).build();
    }

    /** A builder for an allocator with options: {@code PyMalloc.builder().geometry(g).shared(true).build()}. */
    static Builder builder() {
        return new Builder();
    }

    /** Options of an allocator; each setter validates its value. Not thread-safe. */
    final class Builder {

        private Geometry geometry = Geometry.CPYTHON_3_9;
        private boolean shared;
        private int spareArenas = -1;
        private java.time.Duration arenaDecay;
        private LeakDetection.Level leakDetection;
        private LeakDetection.Listener leakListener;
        private LeakDetection.AtClose atClose;
        private long maxBytes = MemoryBudget.UNLIMITED;
        private boolean debugHooks;
        private boolean trackRequestedBytes;
        private int tracingFrames;
        private int tracingSampling = 1;
        private String jfrName;

        private Builder() {
        }

        /**
         * At most how many released arenas a heap keeps mapped for reuse (per stripe when shared), each until
         * reused unless {@link #arenaDecay} is also set. CPython 3.9 unmaps a wholly free arena at once unless
         * it is the last usable one; a workload that empties and refills arenas then pays {@code mmap},
         * {@code munmap} and page faults every time. Retained arenas are handed out before new ones are
         * mapped; statistics still count them as reclaimed ({@link MallocStats#spareArenas()} reports them).
         * {@code 0} gives CPython's policy exactly. Default: no count limit, each kept for the
         * {@linkplain #arenaDecay decay time}.
         *
         * @throws IllegalArgumentException if negative
         */
        public Builder spareArenas(int spareArenas) {
            if (spareArenas < 0) {
                throw new IllegalArgumentException("spareArenas must not be negative: " + spareArenas);
            }
            this.spareArenas = spareArenas;
            return this;
        }

        /**
         * How long a released arena stays mapped for reuse before it goes back to the OS (jemalloc's
         * {@code dirty_decay_ms}, mimalloc's purge delay): a workload that empties and refills arenas reuses
         * them warm, and memory a program gave up returns to the OS about this long after. Decay is applied
         * when the heap works at the pool or arena level (as jemalloc does without background threads): an
         * idle allocator keeps its retained arenas until it is used again, {@link PyMalloc#trim()}med or
         * closed. With {@link #spareArenas} also set, both limits apply. Default: 1 second (and no count
         * limit); {@code Duration.ZERO} unmaps at once, as CPython does.
         *
         * @throws IllegalArgumentException if negative
         */
        public Builder arenaDecay(java.time.Duration decay) {
            java.util.Objects.requireNonNull(decay, "arenaDecay");
            if (decay.isNegative()) {
                throw new IllegalArgumentException("arenaDecay must not be negative: " + decay);
            }
            this.arenaDecay = decay;
            return this;
        }

        /** The geometry; default {@link Geometry#CPYTHON_3_9}. */
        public Builder geometry(Geometry geometry) {
            this.geometry = java.util.Objects.requireNonNull(geometry, "geometry");
            return this;
        }

        /** Whether any thread may use the allocator ({@link #ofShared()}); default false (confined). */
        public Builder shared(boolean shared) {
            this.shared = shared;
            return this;
        }

        /**
         * How many {@link Handle}s are watched for leaks; default: the system property
         * {@value LeakDetection#LEVEL_PROPERTY}, else {@link LeakDetection.Level#SAMPLED}.
         */
        public Builder leakDetection(LeakDetection.Level level) {
            this.leakDetection = java.util.Objects.requireNonNull(level, "leakDetection level");
            return this;
        }

        /** Also tells {@code listener} of every leak found (besides logging it); default: none. */
        public Builder leakListener(LeakDetection.Listener listener) {
            this.leakListener = java.util.Objects.requireNonNull(listener, "leakListener");
            return this;
        }

        /**
         * Keep the requested bytes of every pool block (a byte per 16 arena bytes on the Java heap) and
         * running totals with peaks, for {@link MallocStats#requestedBytes()}, internal fragmentation,
         * utilisation and Johnstone and Wilson's measures. Costs the allocate/free pair about a fifth or
         * more (docs/statistics.md), so it is off by default; off, statistics count whole blocks as
         * requested and the peaks of requested bytes are not kept. Default: false.
         */
        public Builder trackRequestedBytes(boolean track) {
            this.trackRequestedBytes = track;
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
            this.tracingFrames = frames;
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
                throw new IllegalArgumentException("tracing sampling must be 1 or more (one allocation in N), got "
                        + oneIn);
            }
            this.tracingSampling = oneIn;
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
            this.jfrName = name;
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
            this.debugHooks = debugHooks;
            return this;
        }

        /**
         * What {@link PyMalloc#close()} does when blocks are still live: log a report of them per size class
         * ({@link LeakDetection.AtClose#LOG}), throw it, or say nothing. The blocks are freed either way.
         * Default: the system property {@value LeakDetection#AT_CLOSE_PROPERTY}, else {@code LOG}.
         */
        public Builder atClose(LeakDetection.AtClose atClose) {
            this.atClose = java.util.Objects.requireNonNull(atClose, "atClose");
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
            this.maxBytes = maxBytes;
            return this;
        }

        private ArenaRetention retention() {
            if (arenaDecay == null) {
                return spareArenas >= 0 ? ArenaRetention.spares(spareArenas) : ArenaRetention.defaults();
            }
            ArenaRetention decaying = ArenaRetention.decaying(arenaDecay);
            return new ArenaRetention(spareArenas >= 0 ? spareArenas : decaying.maxArenas(), decaying.decayNanos());
        }

        /**
         * A new allocator; a confined one belongs to the calling thread.
         *
         * @throws IllegalArgumentException if a setting left to its system property
         *     ({@value LeakDetection#LEVEL_PROPERTY}, {@value LeakDetection#AT_CLOSE_PROPERTY}) names no value
         */
        public PyMalloc build() {
            ArenaRetention retention = retention();
            HandleSettings handles = new HandleSettings(
                    leakDetection != null ? leakDetection : LeakDetection.Level.fromSystemProperty(), leakListener,
                    atClose != null ? atClose : LeakDetection.AtClose.fromSystemProperty());
            MemoryBudget budget = new MemoryBudget(maxBytes);
            PyMalloc allocator = shared
                    ? new SharedAllocator(geometry, Stripes.defaultCount(), retention, handles, budget,
                            trackRequestedBytes)
                    : new ConfinedAllocator(geometry, retention, handles, budget, trackRequestedBytes);
            if (debugHooks) {
                allocator = new DebugHooks(allocator, handles);
            }
            if (tracingFrames > 0) {
                allocator = new TracingAllocator(allocator, handles, new AllocationTracer(tracingFrames,
                        tracingSampling));
            } else if (tracingSampling != 1) {
                throw new IllegalArgumentException("tracingSampling(" + tracingSampling + ") needs tracing(frames)");
            }
            if (jfrName != null) {
                JfrEvents.register(allocator, jfrName);
            }
            return allocator;
        }
    }

    /**
     * A thread heap: an allocator, owned by the calling thread, that allocates from this shared allocator's
     * memory through a heap of its own, with no lock and no routing (mimalloc's {@code mi_heap_t}). Use one
     * per thread that allocates much: its pair costs about what the confined allocator's does
     * (docs/benchmarks.md).
     * <ul>
     * <li>{@code allocate}, {@code allocateZeroed}, {@code reallocate}, {@code allocateHandle}, the address
     * API's allocations and {@code close} only from the calling thread; other threads get
     * {@link WrongThreadException}, as for a confined {@link java.lang.foreign.Arena}.</li>
     * <li>{@code free} and {@code freeAddress} from any thread, of any live block of the shared allocator:
     * its own blocks go straight back to its pools, others as the shared allocator frees them. Any thread may
     * free its blocks through the shared allocator or any of its thread heaps.</li>
     * <li>{@link #close()} leaves its blocks live (they are the shared allocator's) and hands its heap,
     * pools and all, to the next thread heap opened; a thread heap whose thread dies is adopted the same
     * way. Closing the shared allocator, from any thread, ends every thread heap: their calls then throw
     * {@link IllegalStateException}.</li>
     * <li>The shared allocator's statistics, occupancy and close report cover every thread heap; geometry
     * and options (debug hooks, limits, tracing, leak detection) are the shared allocator's, and so are
     * {@code stats()}, {@code occupancy()} and {@code trim()} of a thread heap.</li>
     * </ul>
     * Called on a thread heap: another thread heap of the same shared allocator.
     *
     * @throws UnsupportedOperationException on a confined allocator, naming {@link #ofShared()}
     * @throws IllegalStateException if the allocator is closed
     */
    PyMalloc threadHeap();

    /**
     * Gives every arena the allocator retains for reuse ({@link Builder#arenaDecay}) back to the OS now,
     * for a program about to go idle. Live blocks are untouched.
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
