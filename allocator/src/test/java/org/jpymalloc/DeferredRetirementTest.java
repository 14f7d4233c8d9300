package org.jpymalloc;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Deferring an emptied pool's retirement ({@code Heap.emptied}) must be invisible: two heaps, one
 * retiring eagerly as CPython does and one deferring, run the same seeded program (bursts that empty
 * pools and arenas, a class's only block coming and going, several classes interleaved), and at random
 * points their statistics text, arena counters and per-arena pool occupancy are identical.
 */
class DeferredRetirementTest {

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void deferringIsInvisibleToStatisticsAndOccupancy(long seed) {
        ConfinedAllocator eager = confined();
        eager.heap().retirement.deferEmptyPools = false;
        ConfinedAllocator deferring = confined();
        List<MemorySegment> eagerLive = new ArrayList<>();
        List<MemorySegment> deferringLive = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(seed);
        for (int step = 0; step < 60_000; step++) {
            int dice = random.nextInt(100);
            int phase = (step / 5_000) % 3; // grow, churn, shrink
            boolean allocate = phase == 0 ? dice < 70 : phase == 1 ? dice < 50 : dice < 25;
            if (allocate || eagerLive.isEmpty()) {
                long size = dice < 10 ? 1 + random.nextInt(16) : 1 + random.nextInt(512);
                eagerLive.add(eager.allocate(size));
                deferringLive.add(deferring.allocate(size));
            } else {
                int i = random.nextInt(eagerLive.size());
                eager.free(swapRemove(eagerLive, i));
                deferring.free(swapRemove(deferringLive, i));
            }
            if (random.nextInt(2_000) == 0) {
                assertSameView(eager, deferring, step);
            }
        }
        assertSameView(eager, deferring, -1);
        eager.checkInvariants();
        deferring.checkInvariants();
        eager.close();
        deferring.close();
    }

    @Test
    void aClassesOnlyBlockComingAndGoingKeepsItsPoolWhileStatisticsShowItRetired() {
        ConfinedAllocator heap = confined();
        MemorySegment keep = heap.allocate(512); // another class, so the arena stays
        for (int i = 0; i < 1_000; i++) {
            heap.free(heap.allocate(64));
        }
        MallocStats stats = heap.stats();
        assertEquals(0, stats.sizeClasses().get(3).pools(), "the 64-byte pool is retired in CPython's view");
        assertEquals(1, stats.sizeClasses().get(31).pools());
        heap.checkInvariants();
        heap.free(keep);
        heap.close();
    }

    /**
     * The armed deferral: the deferred pool is used again, another pool of its class becomes used (a full
     * pool given a block back), the deferred pool empties again behind it, and the class then fills the
     * other pool and comes back to it; another class then takes a pool. The deferring heap then shows
     * exactly what the eager one does. (Statistics settle a deferral, so they are read only at the end of
     * each scenario.)
     */
    @Test
    void anArmedDeferralWaitingBehindAnotherUsedPoolStaysInvisible() {
        ConfinedAllocator eager = confined();
        eager.heap().retirement.deferEmptyPools = false;
        ConfinedAllocator deferring = confined();
        List<List<MemorySegment>> live = List.of(new ArrayList<>(), new ArrayList<>());
        ConfinedAllocator[] heaps = {eager, deferring};
        int perPool = eager.geometry().blocksPerPool(3); // 64-byte blocks
        for (int i = 0; i <= perPool; i++) { // pool A full, pool B holds one block
            allocate(heaps, live, 64);
        }
        free(heaps, live, perPool); // B's only block: B deferred
        allocate(heaps, live, 64); // B in use again
        free(heaps, live, 0); // a block of full A: A used again, ahead of B
        free(heaps, live, perPool - 1); // B's block again: B empty behind A, still deferred
        allocate(heaps, live, 64); // A takes it back: A full again
        allocate(heaps, live, 64); // the class needs a pool: B, in both
        assertSameView(eager, deferring, 1);
        free(heaps, live, live.get(0).size() - 1);
        free(heaps, live, live.get(0).size() - 2); // a block of A: A used again
        allocate(heaps, live, 480); // another class takes a pool: the deferral is settled first
        assertSameView(eager, deferring, 2);
        for (ConfinedAllocator heap : heaps) {
            heap.checkInvariants();
            heap.close();
        }
    }

    private static void allocate(ConfinedAllocator[] heaps, List<List<MemorySegment>> live, long size) {
        for (int h = 0; h < heaps.length; h++) {
            live.get(h).add(heaps[h].allocate(size));
        }
    }

    private static void free(ConfinedAllocator[] heaps, List<List<MemorySegment>> live, int index) {
        for (int h = 0; h < heaps.length; h++) {
            heaps[h].free(live.get(h).remove(index));
        }
    }

    private static ConfinedAllocator confined() {
        return (ConfinedAllocator) PyMalloc.builder().spareArenas(0).build();
    }

    private static void assertSameView(PyMalloc eager, PyMalloc deferring, int step) {
        MallocStats a = eager.stats();
        MallocStats b = deferring.stats();
        assertEquals(a.toDebugMallocStats(), b.toDebugMallocStats(), "step " + step);
        assertEquals(occupancyShape(eager.occupancy()), occupancyShape(deferring.occupancy()), "step " + step);
    }

    /** Each arena's pools as (class, live blocks), in address order within the arena: addresses differ. */
    private static String occupancyShape(ArenaOccupancy occupancy) {
        StringBuilder shape = new StringBuilder();
        for (ArenaOccupancy.ArenaPools arena : occupancy.arenas()) {
            shape.append(java.util.Arrays.toString(arena.sizeClasses())).append(' ')
                    .append(java.util.Arrays.toString(arena.liveBlocks())).append('\n');
        }
        return shape.toString();
    }

    private static MemorySegment swapRemove(List<MemorySegment> list, int i) {
        MemorySegment s = list.get(i);
        list.set(i, list.get(list.size() - 1));
        list.remove(list.size() - 1);
        return s;
    }
}
