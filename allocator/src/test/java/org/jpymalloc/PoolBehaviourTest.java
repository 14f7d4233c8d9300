package org.jpymalloc;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pymalloc's pool and arena policies, observed through the confined allocator's heap. Spare arenas are
 * off here ({@code spareArenas(0)}): these are CPython 3.9's policies exactly.
 */
class PoolBehaviourTest {

    private final ConfinedAllocator allocator =
            (ConfinedAllocator) PyMalloc.builder().geometry(Geometry.CPYTHON_3_9).spareArenas(0).build();
    private final Heap heap = allocator.heap();
    private static final long POOL = 4096;

    @AfterEach
    void tearDown() {
        allocator.checkInvariants();
        allocator.close();
    }

    private static long poolOf(MemorySegment s) {
        return s.address() & -POOL;
    }

    @Test
    void blocksAreCarvedAtHeaderThenEveryBlockSize() {
        for (int sizeClass : new int[] {0, 3, 31}) {
            long size = (sizeClass + 1) * 16L;
            MemorySegment first = allocator.allocate(size);
            long pool = poolOf(first);
            assertEquals(48, first.address() - pool);
            for (int i = 1; i < Geometry.CPYTHON_3_9.blocksPerPool(sizeClass); i++) {
                MemorySegment next = allocator.allocate(size);
                assertEquals(pool, poolOf(next), "block " + i + " stays in the pool");
                assertEquals(48 + i * size, next.address() - pool, "block " + i + " of class " + sizeClass);
            }
            assertNotEquals(pool, poolOf(allocator.allocate(size)), "a full pool hands out no more");
        }
    }

    @Test
    void virginBlocksAreCarvedLazily() {
        MemorySegment first = allocator.allocate(16);
        long pool = poolOf(first);
        assertEquals(48 + 2 * 16, PoolHeader.nextOffset(pool), "only the second block is pre-carved");
        assertEquals(4096 - 16, PoolHeader.maxNextOffset(pool));
        assertEquals(pool + 48 + 16, PoolHeader.freeBlock(pool), "the free list holds just the second block");
        allocator.allocate(16);
        // Taking the last free block empties the list, so obmalloc carves one more virgin block at once.
        assertEquals(pool + 48 + 2 * 16, PoolHeader.freeBlock(pool));
        assertEquals(48 + 3 * 16, PoolHeader.nextOffset(pool));
        allocator.allocate(16);
        assertEquals(48 + 4 * 16, PoolHeader.nextOffset(pool));
    }

    @Test
    void freedBlocksAreReusedLastInFirstOut() {
        MemorySegment a = allocator.allocate(40);
        MemorySegment b = allocator.allocate(40);
        MemorySegment c = allocator.allocate(40);
        allocator.free(a);
        allocator.free(c);
        assertEquals(c.address(), allocator.allocate(40).address());
        assertEquals(a.address(), allocator.allocate(40).address());
        allocator.free(b);
        assertEquals(b.address(), allocator.allocate(33).address(), "any size of the class");
    }

    @Test
    void poolsMoveBetweenUsedFullAndEmpty() {
        int perPool = Geometry.CPYTHON_3_9.blocksPerPool(31); // 7 blocks of 512
        List<MemorySegment> blocks = new ArrayList<>();
        for (int i = 0; i < perPool; i++) {
            blocks.add(allocator.allocate(512));
        }
        long pool = poolOf(blocks.get(0));
        assertEquals(0, heap.usedPoolHead(31), "full: on no list");
        assertEquals(0, PoolHeader.freeBlock(pool));

        MemorySegment other = allocator.allocate(512); // a second pool of the class
        long second = poolOf(other);
        assertEquals(second, heap.usedPoolHead(31));
        allocator.free(blocks.remove(3));
        assertEquals(pool, heap.usedPoolHead(31), "the first free in a full pool puts it at the front");
        assertEquals(second, PoolHeader.nextPool(pool));

        MappedArena arena = heap.arenaOf(pool);
        int freeBefore = arena.freePoolCount;
        for (MemorySegment s : blocks) {
            allocator.free(s);
        }
        assertEquals(0, PoolHeader.count(pool));
        assertEquals(second, heap.usedPoolHead(31), "empty: off the class list");
        assertEquals(pool, arena.freePools, "empty: at the front of its arena's free pools");
        assertEquals(freeBefore + 1, arena.freePoolCount);

        MemorySegment reused = allocator.allocate(16);
        assertEquals(pool, poolOf(reused), "the next class needing a pool takes the most recently emptied one");
        allocator.free(other);
        allocator.free(reused);
    }

    @Test
    void anEmptyPoolServesAnyClassAndKeepsItsListForTheSameClass() {
        MemorySegment a = allocator.allocate(64);
        long pool = poolOf(a);
        allocator.free(a);
        MemorySegment b = allocator.allocate(64);
        assertEquals(pool, poolOf(b), "the empty pool came back to its class");
        assertEquals(a.address(), b.address(), "with its free list intact");
        allocator.free(b);
        MemorySegment c = allocator.allocate(300);
        assertEquals(pool, poolOf(c), "an empty pool is reused by another class");
        assertEquals(18, PoolHeader.sizeClassIndex(pool));
        assertEquals(pool + 48, c.address(), "and re-initialised for it");
        allocator.free(c);
    }

    @Test
    void newPoolsComeFromTheMostUsedArenaAndWhollyFreeArenasAreUnmapped() {
        int poolsPerArena = 64; // 256 KiB / 4 KiB, the first arena is page-aligned so none is lost
        List<MemorySegment> first = fillPools(poolsPerArena);
        MappedArena a1 = heap.arenaOf(first.get(0).address());
        assertEquals(0, a1.freePoolCount);
        List<MemorySegment> second = fillPools(poolsPerArena);
        MappedArena a2 = heap.arenaOf(second.get(0).address());
        List<MemorySegment> third = fillPools(3);
        MappedArena a3 = heap.arenaOf(third.get(0).address());
        assertEquals(3, allocator.stats().arenasCurrent());

        // Free 10 pools of a1 and 20 of a2: the usable list is sorted by ascending free pools.
        freePools(first, 0, 10);
        freePools(second, 0, 20);
        assertSame(a1, heap.usableArenas().head(), "a1 has the fewest free pools (10)");
        assertSame(a2, a1.nextUsable);
        assertSame(a3, a2.nextUsable);
        MemorySegment s = allocator.allocate(512 - 15);
        assertSame(a1, heap.arenaOf(s.address()), "a new pool comes from the most-used arena");
        allocator.free(s);

        // Empty a2: as its free count grows it moves right, past a3, so when it is wholly free it is the
        // last usable arena and is kept (bpo-37257): one wholly free arena stays mapped as a spare.
        freePools(second, 20, poolsPerArena);
        assertEquals(3, allocator.stats().arenasCurrent());
        assertSame(a2, lastUsable());
        assertTrue(a2.isWhollyFree());

        // Empty a3: it is wholly free while a2 follows it, so it is unmapped at once.
        freePools(third, 0, 3);
        assertEquals(2, allocator.stats().arenasCurrent());
        assertEquals(1, allocator.stats().arenasReclaimed());
        assertNull(heap.arenaOf(a3.base), "its addresses are no longer ours");
        MemorySegment stale = third.get(0);
        assertThrows(IllegalStateException.class, () -> stale.get(ValueLayout.JAVA_BYTE, 0),
                "a segment of an unmapped arena cannot reach it");

        // Empty a1 too: unmapped, a2 is still the spare.
        freePools(first, 10, poolsPerArena);
        assertEquals(1, allocator.stats().arenasCurrent());
        assertSame(a2, heap.usableArenas().head());
        assertEquals(3, allocator.stats().arenasHighwater());
        assertEquals(3, allocator.stats().arenasAllocatedTotal());
    }

    private MappedArena lastUsable() {
        MappedArena a = heap.usableArenas().head();
        while (a.nextUsable != null) {
            a = a.nextUsable;
        }
        return a;
    }

    /** Fills {@code pools} pools of class 31 (7 blocks each); answers their blocks in pool order. */
    private List<MemorySegment> fillPools(int pools) {
        List<MemorySegment> blocks = new ArrayList<>();
        for (int i = 0; i < pools * 7; i++) {
            blocks.add(allocator.allocate(512));
        }
        return blocks;
    }

    private void freePools(List<MemorySegment> blocks, int fromPool, int toPool) {
        for (int i = fromPool * 7; i < toPool * 7; i++) {
            allocator.free(blocks.get(i));
        }
    }

    @Test
    void aLoopThatAllocatesAndFreesOneBlockDoesNotThrashArenas() {
        for (int i = 0; i < 1000; i++) {
            allocator.free(allocator.allocate(100));
        }
        assertEquals(1, allocator.stats().arenasAllocatedTotal());
    }

    @Test
    void spareArenasAreReusedBeforeNewOnesAreMappedAndStatisticsKeepCPythonsView() {
        try (PyMalloc spared = PyMalloc.builder().spareArenas(2).build()) {
            List<MemorySegment> blocks = new ArrayList<>();
            for (int i = 0; i < 4 * 64 * 7; i++) { // four arenas of 512-byte blocks
                blocks.add(spared.allocate(512));
            }
            java.util.Set<Long> bases = new java.util.HashSet<>();
            for (MemorySegment b : blocks) {
                bases.add(b.address() & -(256L << 10));
            }
            blocks.forEach(spared::free);
            MallocStats emptied = spared.stats().checkIdentity();
            assertEquals(1, emptied.arenasCurrent(), "CPython's view: one arena kept");
            assertEquals(3, emptied.arenasReclaimed());
            assertEquals(2, emptied.spareArenas(), "two of the three released arenas stay mapped");
            assertEquals(3L * (256 << 10), emptied.osMappedBytes());

            List<MemorySegment> again = new ArrayList<>();
            for (int i = 0; i < 3 * 64 * 7; i++) {
                again.add(spared.allocate(512));
            }
            MallocStats refilled = spared.stats().checkIdentity();
            assertEquals(0, refilled.spareArenas(), "the spares were used first");
            assertEquals(6, refilled.arenasAllocatedTotal(), "a reused spare counts as a new arena, as in CPython");
            long reusedBases = again.stream().map(b -> b.address() & -(256L << 10)).distinct()
                    .filter(bases::contains).count();
            assertTrue(reusedBases >= 3, "the kept arena and both spares were reused: " + reusedBases);
            again.forEach(spared::free);
        }
    }

    @Test
    void spareArenasMustNotBeNegative() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PyMalloc.builder().spareArenas(-1));
        assertEquals("spareArenas must not be negative: -1", e.getMessage());
    }

    @Test
    void reallocateFollowsPymallocsInPlaceRule() {
        MemorySegment s = allocator.allocate(64);
        assertEquals(s.address(), allocator.reallocate(s, 49).address(), "64 -> 49 stays: 4*49 > 3*64");
        assertEquals(s.address(), allocator.reallocate(s, 64).address(), "same size stays");
        MemorySegment moved = allocator.reallocate(s, 48);
        assertNotEquals(s.address(), moved.address(), "64 -> 48 moves: 4*48 == 3*64");
        MemorySegment grown = allocator.reallocate(moved, 49);
        assertNotEquals(moved.address(), grown.address(), "growing past the block moves");
        allocator.free(grown);
    }

    @Test
    void reallocateCopiesTheSmallerOfBlockAndNewSize() {
        MemorySegment s = allocator.allocate(20); // a 32-byte block
        MemorySegment whole = s.reinterpret(32);
        LiveBlocks.fill(whole, 5);
        MemorySegment grown = allocator.reallocate(s, 200);
        LiveBlocks.assertPattern(grown.asSlice(0, 32), 5); // pymalloc copies the whole old block
        allocator.free(grown);
    }

    @Test
    void statsWalkCountsPoolsAndBlocksAndTheIdentityHolds() {
        List<MemorySegment> blocks = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            blocks.add(allocator.allocate(16));
        }
        MallocStats stats = allocator.stats().checkIdentity();
        MallocStats.SizeClassStats c0 = stats.sizeClasses().get(0);
        assertEquals(2, c0.pools());
        assertEquals(1, c0.fullPools());
        assertEquals(300, c0.blocksInUse());
        assertEquals(2 * 253 - 300, c0.availableBlocks());
        assertEquals(62, stats.unusedPools());
        assertEquals(2 * 48, stats.poolHeaderBytes());
        assertEquals(2 * ((4096 - 48) % 16), stats.quantizationBytes());
        assertTrue(stats.arenaBytes() >= 256 << 10);
        assertEquals(stats.arenaBytes(), stats.mappedBytes(), "the 0.1.0 name answers the same");
        blocks.forEach(allocator::free);
        allocator.stats().checkIdentity();
    }
}
