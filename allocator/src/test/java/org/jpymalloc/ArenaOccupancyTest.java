package org.jpymalloc;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link PyMalloc#occupancy()} agrees pool by pool with {@link PyMalloc#stats()}. */
class ArenaOccupancyTest {

    @Test
    void agreesWithStatsInBothModes() {
        for (PyMalloc heap : List.of(PyMalloc.ofConfined(), PyMalloc.ofShared(Geometry.CPYTHON_3_10))) {
            try (heap) {
                List<MemorySegment> blocks = new ArrayList<>();
                for (int i = 0; i < 20_000; i++) {
                    blocks.add(heap.allocate(8 + (i * 37) % 500));
                }
                for (int i = 0; i < blocks.size(); i += 2) {
                    heap.free(blocks.get(i));
                }
                MallocStats stats = heap.stats();
                ArenaOccupancy occupancy = heap.occupancy();
                Geometry g = heap.geometry();
                assertEquals(stats.arenasCurrent(), occupancy.arenas().size());
                long[] pools = new long[g.sizeClassCount()];
                long[] blocksInUse = new long[g.sizeClassCount()];
                for (ArenaOccupancy.ArenaPools arena : occupancy.arenas()) {
                    for (int p = 0; p < arena.poolCount(); p++) {
                        int c = arena.sizeClass(p);
                        if (c != ArenaOccupancy.UNUSED_POOL) {
                            pools[c]++;
                            blocksInUse[c] += arena.liveBlocks(p);
                            double fullness = occupancy.fullness(arena, p);
                            assertTrue(fullness > 0 && fullness <= 1, "fullness " + fullness);
                        }
                    }
                    double utilisation = occupancy.arenaUtilisation(arena);
                    assertTrue(utilisation >= 0 && utilisation <= 1, "utilisation " + utilisation);
                }
                for (MallocStats.SizeClassStats c : stats.sizeClasses()) {
                    assertEquals(c.pools(), pools[c.index()], "pools of class " + c.index());
                    assertEquals(c.blocksInUse(), blocksInUse[c.index()], "blocks of class " + c.index());
                }
            }
            assertThrows(IllegalStateException.class, heap::occupancy, "closed allocator");
        }
    }

    @Test
    void arraysAreCopiedInAndOut() {
        int[] classes = {0, ArenaOccupancy.UNUSED_POOL};
        int[] live = {3, 0};
        ArenaOccupancy.ArenaPools arena = new ArenaOccupancy.ArenaPools(4096, classes, live);
        classes[0] = 5;
        arena.sizeClasses()[0] = 7;
        assertEquals(0, arena.sizeClass(0));
        assertEquals(1, arena.poolsInUse());
        assertThrows(IllegalArgumentException.class,
                () -> new ArenaOccupancy.ArenaPools(0, new int[2], new int[3]));
    }
}
