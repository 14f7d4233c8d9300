package org.jpymalloc;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each arena policy's choice, seen on three arenas of CPython 3.9's geometry (64 pools each, spares off):
 * a1 and a2 filled and then partly emptied (10 and 20 free pools), a3 with 3 pools used (61 free), a2's
 * pools freed last. Every policy then answers which arena gives the next pool.
 */
class ArenaPolicyTest {

    private static final int POOLS_PER_ARENA = 64;
    private final List<PyMalloc> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        for (PyMalloc allocator : opened) {
            ((ConfinedAllocator) allocator).checkInvariants();
            allocator.close();
        }
    }

    private ConfinedAllocator open(ArenaPolicy policy) {
        PyMalloc allocator = PyMalloc.builder().arenaPolicy(policy).spareArenas(0).build();
        opened.add(allocator);
        return (ConfinedAllocator) allocator;
    }

    /** The three arenas described above, and the arena the next new pool comes from. */
    private record Layout(MappedArena a1, MappedArena a2, MappedArena a3, MappedArena next) {
    }

    private Layout layout(ArenaPolicy policy) {
        ConfinedAllocator allocator = open(policy);
        List<MemorySegment> first = fillPools(allocator, POOLS_PER_ARENA);
        List<MemorySegment> second = fillPools(allocator, POOLS_PER_ARENA);
        List<MemorySegment> third = fillPools(allocator, 3);
        freePools(allocator, first, 0, 10);
        freePools(allocator, second, 0, 20);
        Heap heap = allocator.heap();
        MemorySegment probe = allocator.allocate(500);
        Layout layout = new Layout(heap.arenaOf(first.get(0).address()), heap.arenaOf(second.get(0).address()),
                heap.arenaOf(third.get(0).address()), heap.arenaOf(probe.address()));
        allocator.checkInvariants();
        return layout;
    }

    @Test
    void cpythonTakesTheFullestArena() {
        Layout l = layout(ArenaPolicy.CPYTHON);
        assertSame(l.a1(), l.next(), "a1 has the fewest free pools");
    }

    @Test
    void addressOrderTakesTheLowestAddress() {
        Layout l = layout(ArenaPolicy.ADDRESS_ORDERED);
        MappedArena lowest = l.a1();
        for (MappedArena a : List.of(l.a2(), l.a3())) {
            lowest = Long.compareUnsigned(a.base, lowest.base) < 0 ? a : lowest;
        }
        assertSame(lowest, l.next());
    }

    @Test
    void mostRecentlyUsedTakesTheArenaAPoolLastCameBackTo() {
        Layout l = layout(ArenaPolicy.MOST_RECENTLY_USED);
        assertSame(l.a2(), l.next(), "a2's pools were freed last");
    }

    @Test
    void oldestFirstTakesTheArenaMappedFirst() {
        Layout l = layout(ArenaPolicy.OLDEST_FIRST);
        assertSame(l.a1(), l.next());
        assertTrue(l.a1().mappedSequence() < l.a2().mappedSequence());
    }

    @Test
    void emptiestFirstTakesTheArenaWithTheMostFreePools() {
        Layout l = layout(ArenaPolicy.EMPTIEST_FIRST);
        assertSame(l.a3(), l.next(), "a3 has 61 free pools");
    }

    @Test
    void aResearchersOwnRankIsHonoured() {
        Layout l = layout(ArenaPolicy.ranked("highest-address", arena -> -arena.address()));
        MappedArena highest = l.a1();
        for (MappedArena a : List.of(l.a2(), l.a3())) {
            highest = Long.compareUnsigned(a.base, highest.base) > 0 ? a : highest;
        }
        assertSame(highest, l.next());
    }

    @Test
    void cpython39KeepsTheLastArenaWhereCpython38Thrashes() {
        for (ArenaPolicy policy : List.of(ArenaPolicy.CPYTHON, ArenaPolicy.ranked("any-keeping", a -> 0))) {
            ConfinedAllocator allocator = open(policy);
            for (int i = 0; i < 3; i++) {
                allocator.free(allocator.allocate(64));
            }
            assertEquals(1, allocator.stats().arenasAllocatedTotal(), policy + " keeps the last usable arena");
            assertEquals(1, allocator.stats().arenasCurrent());
        }
        ConfinedAllocator thrashing = open(ArenaPolicy.CPYTHON_3_8);
        for (int i = 0; i < 3; i++) {
            thrashing.free(thrashing.allocate(64));
        }
        assertEquals(3, thrashing.stats().arenasAllocatedTotal(), "3.8 unmaps the arena every time");
        assertEquals(0, thrashing.stats().arenasCurrent());
    }

    @Test
    void namesAreTheCommandLinesAndUnknownNamesListTheValidOnes() {
        for (ArenaPolicy policy : ArenaPolicy.builtIn()) {
            assertSame(policy, ArenaPolicy.named(policy.name()));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ArenaPolicy.named("lifo"));
        assertEquals("unknown arena policy 'lifo'; valid: cpython, cpython-3.8, address, mru, oldest, emptiest",
                e.getMessage());
    }

    @Test
    void badPoliciesAreRefusedByName() {
        assertEquals("arenaPolicy", assertThrows(NullPointerException.class,
                () -> PyMalloc.builder().arenaPolicy(null)).getMessage());
        assertEquals("an arena policy's name must not be blank: ' '", assertThrows(IllegalArgumentException.class,
                () -> ArenaPolicy.ranked(" ", a -> 0)).getMessage());
        assertEquals("rank", assertThrows(NullPointerException.class,
                () -> ArenaPolicy.ranked("x", null)).getMessage());
    }

    /** A rank that throws fails the allocation that needed a pool; live blocks and the heap stay intact. */
    @Test
    void aRankThatThrowsFailsTheRequestAndChangesNothing() {
        AtomicBoolean broken = new AtomicBoolean();
        ConfinedAllocator allocator = open(ArenaPolicy.ranked("flaky", arena -> {
            if (broken.get()) {
                throw new ArithmeticException("boom");
            }
            return 0;
        }));
        MemorySegment kept = allocator.allocate(64);
        LiveBlocks.fill(kept, 42);
        broken.set(true);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> allocator.allocate(128));
        assertTrue(e.getMessage().startsWith("arena policy 'flaky' failed to rank arena 0 at 0x"), e.getMessage());
        assertEquals("boom", e.getCause().getMessage());
        allocator.checkInvariants();
        LiveBlocks.assertPattern(kept, 42);
        MemorySegment sameClass = allocator.allocate(64);
        broken.set(false);
        MemorySegment newClass = allocator.allocate(128);
        allocator.free(sameClass);
        allocator.free(newClass);
        allocator.free(kept);
    }

    /**
     * A ranked policy under a shared allocator: the stripes and a thread heap keep their own order, blocks
     * freed by another thread go back, and every heap's invariants hold.
     */
    @Test
    void aRankedPolicyServesStripesAndThreadHeaps() throws Exception {
        try (PyMalloc shared = PyMalloc.builder().shared(true).arenaPolicy(ArenaPolicy.ADDRESS_ORDERED)
                .spareArenas(0).build()) {
            List<MemorySegment> blocks = new ArrayList<>();
            try (PyMalloc heap = shared.threadHeap()) {
                for (int i = 0; i < 3 * POOLS_PER_ARENA * 7; i++) {
                    blocks.add(heap.allocate(512));
                }
                blocks.addAll(fillPools(shared, POOLS_PER_ARENA));
                Thread other = Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < blocks.size(); i += 2) {
                        shared.free(blocks.get(i));
                    }
                });
                other.join();
                int firstRound = blocks.size();
                for (int i = 0; i < POOLS_PER_ARENA * 7; i++) {
                    blocks.add(heap.allocate(512));
                }
                ((SharedAllocator) shared).checkInvariants();
                for (int i = 1; i < firstRound; i += 2) {
                    heap.free(blocks.get(i));
                }
                blocks.subList(firstRound, blocks.size()).forEach(heap::free);
            }
            ((SharedAllocator) shared).checkInvariants();
            assertEquals(0, shared.stats().blocksInUse(), "every block went back");
        }
    }

    private static List<MemorySegment> fillPools(PyMalloc allocator, int pools) {
        List<MemorySegment> blocks = new ArrayList<>();
        for (int i = 0; i < pools * 7; i++) {
            blocks.add(allocator.allocate(512));
        }
        return blocks;
    }

    private static void freePools(PyMalloc allocator, List<MemorySegment> blocks, int fromPool, int toPool) {
        for (int i = fromPool * 7; i < toPool * 7; i++) {
            allocator.free(blocks.get(i));
        }
    }
}
