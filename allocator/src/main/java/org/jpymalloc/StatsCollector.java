package org.jpymalloc;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds a {@link MallocStats} snapshot: a walk over every carved pool (as CPython's
 * {@code _PyObject_DebugMallocStats} does) plus the arena and system-path counters.
 */
final class StatsCollector implements Heap.PoolVisitor {

    private final Geometry geometry;
    private final long[] pools;
    private final long[] fullPools;
    private final long[] blocks;
    private long unusedPools;
    private long alignmentBytes;
    private long arenas;
    private long spareArenas;

    private StatsCollector(Geometry geometry) {
        this.geometry = geometry;
        int classes = geometry.sizeClassCount();
        this.pools = new long[classes];
        this.fullPools = new long[classes];
        this.blocks = new long[classes];
    }

    static MallocStats collect(Heap heap, SystemPath system) {
        return collect(java.util.List.of(heap), system);
    }

    /**
     * One snapshot of several heaps sharing arena counters. The caller makes each walk safe (a shared
     * allocator holds each heap's lock while it is walked).
     */
    static MallocStats collect(List<Heap> heaps, SystemPath system) {
        StatsCollector collector = new StatsCollector(heaps.getFirst().geometry);
        for (Heap heap : heaps) {
            heap.visitPools(collector);
            collector.spareArenas += heap.spareCount();
        }
        return collector.snapshot(heaps.getFirst().counters(), system);
    }

    @Override
    public void arena(MappedArena arena) {
        arenas++;
        unusedPools += arena.freePoolCount;
        if (arena.firstPool != arena.base) {
            alignmentBytes += geometry.poolSize();
        }
    }

    @Override
    public void pool(MappedArena arena, long pool, int sizeClass, int liveBlocks, boolean full) {
        pools[sizeClass]++;
        blocks[sizeClass] += liveBlocks;
        if (full) {
            fullPools[sizeClass]++;
        }
    }

    private MallocStats snapshot(ArenaCounters counters, SystemPath system) {
        List<MallocStats.SizeClassStats> classes = new ArrayList<>(pools.length);
        for (int c = 0; c < pools.length; c++) {
            long available = pools[c] * geometry.blocksPerPool(c) - blocks[c];
            classes.add(new MallocStats.SizeClassStats(c, geometry.blockSize(c), pools[c], fullPools[c], blocks[c],
                    available));
        }
        long current = arenas;
        long total = counters.allocatedTotal();
        return new MallocStats(geometry, classes, total, total - current, Math.max(counters.highwater(), current),
                current, unusedPools, alignmentBytes, system.liveCount(), system.liveBytes(),
                system.totalAllocations(), system.peakLiveBytes(), spareArenas);
    }
}
