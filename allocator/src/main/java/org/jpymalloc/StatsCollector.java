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
    private final long[] requested;
    private final int[] arenaHistogram = new int[10];
    private Heap heap;
    private MappedArena arena;
    private long arenaLiveBytes;
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
        this.requested = new long[classes];
    }

    /** A confined allocator's snapshot: its heap and its system path. */
    static MallocStats collect(Heap heap, SystemPath system) {
        return collect(java.util.List.of(heap), system);
    }

    /** A shared allocator's snapshot: its heaps, each with a system path of its own ({@link Heap#systemPath()}). */
    static MallocStats collect(List<Heap> heaps) {
        return collect(heaps, null);
    }

    /**
     * One snapshot of several heaps sharing arena counters, with {@code system} (null: none) and the heaps'
     * own system paths. The caller makes each walk safe (a shared allocator holds each heap's lock while it
     * is walked).
     */
    private static MallocStats collect(List<Heap> heaps, SystemPath system) {
        StatsCollector collector = new StatsCollector(heaps.getFirst().geometry);
        java.util.Set<Usage> usages = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        List<SystemPath> systems = new ArrayList<>();
        if (system != null) {
            systems.add(system);
            usages.add(system.usage());
        }
        for (Heap heap : heaps) {
            collector.heap = heap;
            heap.visitPools(collector);
            collector.finishArena();
            collector.spareArenas += heap.spareCount();
            usages.add(heap.usage);
            if (heap.systemPath() != null) {
                systems.add(heap.systemPath());
            }
        }
        return collector.snapshot(heaps.getFirst().counters(), systems, usages, heaps.getFirst().trackRequested);
    }

    @Override
    public void arena(MappedArena next) {
        finishArena();
        arena = next;
        arenas++;
        unusedPools += next.freePoolCount;
        if (next.firstPool != next.base) {
            alignmentBytes += geometry.poolSize();
        }
    }

    @Override
    public void pool(MappedArena owner, long pool, int sizeClass, int liveBlocks, boolean full) {
        pools[sizeClass]++;
        blocks[sizeClass] += liveBlocks;
        requested[sizeClass] += heap.requestedBytesOfPool(owner, pool, sizeClass, liveBlocks);
        arenaLiveBytes += liveBlocks * geometry.blockSize(sizeClass);
        if (full) {
            fullPools[sizeClass]++;
        }
    }

    private void finishArena() {
        if (arena != null) {
            int bucket = (int) Math.min(9, arenaLiveBytes * 10 / geometry.arenaSize());
            arenaHistogram[bucket]++;
            arena = null;
            arenaLiveBytes = 0;
        }
    }

    /**
     * {@code systems}' figures added up; their peak is the sum of each path's peak (an upper bound of the
     * peak of the sum, as a shared allocator's other peaks are: docs/statistics.md).
     */
    private MallocStats snapshot(ArenaCounters counters, List<SystemPath> systems, java.util.Set<Usage> usages,
                                 boolean tracked) {
        List<MallocStats.SizeClassStats> classes = new ArrayList<>(pools.length);
        for (int c = 0; c < pools.length; c++) {
            long available = pools[c] * geometry.blocksPerPool(c) - blocks[c];
            classes.add(new MallocStats.SizeClassStats(c, geometry.blockSize(c), pools[c], fullPools[c], blocks[c],
                    available, requested[c]));
        }
        long current = arenas;
        long total = counters.allocatedTotal();
        return new MallocStats(geometry, classes, total, total - current, Math.max(counters.highwater(), current),
                current, unusedPools, alignmentBytes, systems.stream().mapToLong(SystemPath::liveCount).sum(),
                systems.stream().mapToLong(SystemPath::liveBytes).sum(),
                systems.stream().mapToLong(SystemPath::totalAllocations).sum(),
                systems.stream().mapToLong(SystemPath::peakLiveBytes).sum(), spareArenas,
                tracked ? usages.stream().mapToLong(u -> u.requestedPeak).sum() : 0,
                tracked ? usages.stream().mapToLong(u -> u.mappedAtRequestedPeak).sum() : 0,
                tracked ? usages.stream().mapToLong(u -> u.mappedPeak).sum() : 0,
                tracked ? usages.stream().mapToLong(u -> u.requestedAtMappedPeak).sum() : 0,
                java.util.Arrays.stream(arenaHistogram).boxed().toList(), tracked,
                counters.radixTreeNodes().midNodes(), counters.radixTreeNodes().bottomNodes(),
                systems.stream().mapToLong(SystemPath::heldBytes).sum(),
                (int) systems.stream().mapToLong(SystemPath::cachedCount).sum());
    }
}
