package org.jpymalloc.bench.replay;

import java.lang.foreign.MemorySegment;

import org.jpymalloc.ArenaOccupancy;
import org.jpymalloc.LeakDetection;
import org.jpymalloc.MallocStats;
import org.jpymalloc.PyMalloc;

/**
 * Replays through a jpymalloc allocator, by its public API, keeping each block as {@link Calls} says:
 * segments ({@code allocate}, {@code reallocate}, {@code free}) or addresses (the address API).
 */
abstract sealed class PyMallocTarget implements ReplayTarget permits PyMallocTarget.Segments, PyMallocTarget.Addresses {

    /** The allocator built; {@link #heap} itself, or the shared allocator of the thread heap {@link #heap} is. */
    private final PyMalloc allocator;
    /** What the replay calls: the allocator, or the replaying thread's thread heap of it. */
    final PyMalloc heap;

    /**
     * @param trackRequested keep requested bytes (for statistics: the sampled run); timed runs leave it off,
     *     as the library's default, so that they time what users get
     */
    private PyMallocTarget(AllocatorSpec spec, boolean trackRequested) {
        // A replay ends with the trace's live blocks still allocated: closing then is no leak.
        PyMalloc.Builder builder = PyMalloc.builder().geometry(spec.geometry()).shared(spec.shared())
                .atClose(LeakDetection.AtClose.IGNORE).trackRequestedBytes(trackRequested).arenaPolicy(spec.policy());
        if (spec.spareArenas() >= 0) {
            builder.spareArenas(spec.spareArenas());
        }
        this.allocator = builder.build();
        // The thread that builds the target replays into it: the thread heap is that thread's.
        this.heap = spec.mode() == AllocatorSpec.Mode.THREAD_HEAP ? allocator.threadHeap() : allocator;
    }

    static PyMallocTarget of(AllocatorSpec spec, int slots, boolean trackRequested, Calls calls) {
        return switch (calls) {
            case SEGMENTS -> new Segments(spec, slots, trackRequested);
            case ADDRESSES -> new Addresses(spec, slots, trackRequested);
        };
    }

    /**
     * Arenas held (spares included: they are still mapped) plus the bytes of system-path blocks, cached
     * free ones included ({@link MallocStats#heldBytes()}).
     */
    @Override
    public final long mappedBytes() {
        return heap.stats().heldBytes();
    }

    @Override
    public final String memoryDescription() {
        return "jpymalloc stats: arenas mapped (spares included) x arena size + bytes of blocks on the system path"
                + " (held: cached free ones included)";
    }

    final MallocStats stats() {
        return heap.stats();
    }

    final ArenaOccupancy occupancy() {
        return heap.occupancy();
    }

    /** Closes the thread heap, if any (its blocks stay the shared allocator's), then the allocator. */
    @Override
    public final void close() {
        if (heap != allocator) {
            heap.close();
        }
        allocator.close();
    }

    /** {@link Calls#SEGMENTS}: the segments {@code allocate} returns, in a segment array. */
    static final class Segments extends PyMallocTarget {

        private final MemorySegment[] blocks;

        Segments(AllocatorSpec spec, int slots, boolean trackRequested) {
            super(spec, trackRequested);
            this.blocks = new MemorySegment[slots];
        }

        @Override
        public void malloc(int slot, long size) {
            blocks[slot] = heap.allocate(size);
        }

        @Override
        public void free(int slot) {
            heap.free(blocks[slot]);
            blocks[slot] = null;
        }

        @Override
        public void realloc(int slot, long size) {
            blocks[slot] = heap.reallocate(blocks[slot], size);
        }

        @Override
        public void freeAll() {
            Slots.forEachLive(blocks, this::free);
        }

        @Override
        public String calling() {
            return "Java calls: PyMalloc.allocate, free and reallocate on segments, kept in a MemorySegment[]";
        }
    }

    /** {@link Calls#ADDRESSES}: the address API, addresses in a {@code long[]}. */
    static final class Addresses extends PyMallocTarget {

        private final long[] blocks;

        Addresses(AllocatorSpec spec, int slots, boolean trackRequested) {
            super(spec, trackRequested);
            this.blocks = new long[slots];
        }

        @Override
        public void malloc(int slot, long size) {
            blocks[slot] = heap.allocateAddress(size);
        }

        @Override
        public void free(int slot) {
            heap.freeAddress(blocks[slot]);
            blocks[slot] = 0;
        }

        @Override
        public void realloc(int slot, long size) {
            blocks[slot] = heap.reallocateAddress(blocks[slot], size);
        }

        @Override
        public void freeAll() {
            Slots.forEachLive(blocks, this::free);
        }

        @Override
        public String calling() {
            return "Java calls: PyMalloc.allocateAddress, freeAddress and reallocateAddress, addresses kept in a long[]";
        }
    }
}
