package org.jpymalloc.bench.replay;

import java.lang.foreign.MemorySegment;

import org.jpymalloc.ArenaOccupancy;
import org.jpymalloc.LeakDetection;
import org.jpymalloc.MallocStats;
import org.jpymalloc.PyMalloc;

/** Replays through a jpymalloc allocator, by its public API: segments in, segments out. */
final class PyMallocTarget implements ReplayTarget {

    private final PyMalloc heap;
    private final MemorySegment[] blocks;

    /**
     * @param trackRequested keep requested bytes (for statistics: the sampled run); timed runs leave it off,
     *     as the library's default, so that they time what users get
     */
    PyMallocTarget(AllocatorSpec spec, int slots, boolean trackRequested) {
        // A replay ends with the trace's live blocks still allocated: closing then is no leak.
        PyMalloc.Builder builder = PyMalloc.builder().geometry(spec.geometry()).shared(spec.shared())
                .atClose(LeakDetection.AtClose.IGNORE).trackRequestedBytes(trackRequested).arenaPolicy(spec.policy());
        if (spec.spareArenas() >= 0) {
            builder.spareArenas(spec.spareArenas());
        }
        this.heap = builder.build();
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
        for (int slot = 0; slot < blocks.length; slot++) {
            if (blocks[slot] != null) {
                free(slot);
            }
        }
    }

    /** Arenas held (spares included: they are still mapped) plus the bytes of system-path blocks. */
    @Override
    public long mappedBytes() {
        MallocStats stats = heap.stats();
        return stats.osMappedBytes() + stats.systemLiveBytes();
    }

    @Override
    public String calling() {
        return "Java calls: PyMalloc.allocate, free and reallocate on segments";
    }

    @Override
    public String memoryDescription() {
        return "jpymalloc stats: arenas mapped (spares included) x arena size + bytes of blocks on the system path";
    }

    MallocStats stats() {
        return heap.stats();
    }

    ArenaOccupancy occupancy() {
        return heap.occupancy();
    }

    @Override
    public void close() {
        heap.close();
    }
}
