package org.jpymalloc;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Builds an {@link ArenaOccupancy} from a walk over every carved pool of one or more heaps. */
final class OccupancyCollector implements Heap.PoolVisitor {

    private final Geometry geometry;
    private final List<ArenaOccupancy.ArenaPools> done = new ArrayList<>();
    private MappedArena arena;
    private int[] sizeClasses;
    private int[] liveBlocks;

    private OccupancyCollector(Geometry geometry) {
        this.geometry = geometry;
    }

    /** The caller makes each walk safe, as for {@link StatsCollector}. */
    static ArenaOccupancy collect(List<Heap> heaps) {
        OccupancyCollector collector = new OccupancyCollector(heaps.getFirst().geometry);
        for (Heap heap : heaps) {
            heap.visitPools(collector);
        }
        collector.finishArena();
        return new ArenaOccupancy(collector.geometry, collector.done);
    }

    @Override
    public void arena(MappedArena next) {
        finishArena();
        arena = next;
        sizeClasses = new int[next.totalPools];
        liveBlocks = new int[next.totalPools];
        Arrays.fill(sizeClasses, ArenaOccupancy.UNUSED_POOL);
    }

    @Override
    public void pool(MappedArena owner, long pool, int sizeClass, int live, boolean full) {
        int index = (int) ((pool - owner.firstPool) / geometry.poolSize());
        sizeClasses[index] = sizeClass;
        liveBlocks[index] = live;
    }

    private void finishArena() {
        if (arena != null) {
            done.add(new ArenaOccupancy.ArenaPools(arena.firstPool, sizeClasses, liveBlocks));
            arena = null;
        }
    }
}
