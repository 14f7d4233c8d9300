package org.jpymalloc;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shared system path's cache of freed blocks: on its own, and through a shared allocator. */
class SystemBlockCacheTest {

    private static final long ARENA = Geometry.CPYTHON_3_9.arenaSize();

    /** What the cache under test released, and its clock. */
    private final List<SystemPath.Block> released = new ArrayList<>();
    private long now;

    private SystemBlockCache cache(long maxCachedBytes) {
        return new SystemBlockCache(ARENA, maxCachedBytes, 1_000, () -> now, 1, released::add);
    }

    @Test
    void capacitiesAreFourStepsPerPowerOfTwo() {
        assertEquals(16, SystemBlockCache.roundUp(1));
        assertEquals(16, SystemBlockCache.roundUp(16));
        assertEquals(640, SystemBlockCache.roundUp(513));
        assertEquals(640, SystemBlockCache.roundUp(640));
        assertEquals(768, SystemBlockCache.roundUp(641));
        assertEquals(1024, SystemBlockCache.roundUp(1024));
        assertEquals(1280, SystemBlockCache.roundUp(1025));
        assertEquals(4096, SystemBlockCache.roundUp(4000));
        assertEquals(10_240, SystemBlockCache.roundUp(10_000));
        for (long size = 1; size < 100_000; size += 37) {
            long capacity = SystemBlockCache.roundUp(size);
            assertTrue(capacity >= size && capacity <= Math.max(16, size + size / 4), "size " + size);
            assertEquals(capacity, SystemBlockCache.roundUp(capacity), "a capacity is its own step: " + size);
        }
    }

    @Test
    void everyCapacityHasTheNextListIndex() {
        assertEquals(0, SystemBlockCache.stepIndex(16));
        int expected = 0;
        long previous = 16;
        for (long size = 17; size <= (1L << 30); size = previous + 1) {
            long capacity = SystemBlockCache.roundUp(size);
            assertEquals(++expected, SystemBlockCache.stepIndex(capacity), "capacity " + capacity);
            previous = capacity;
        }
        assertEquals(104, expected, "1 GiB, the largest arena size, is step 104");
    }

    @Test
    void onlyMallocAlignedBlocksUpToTheLargestAreRounded() {
        SystemBlockCache cache = cache(4 * ARENA);
        assertEquals(640, cache.capacityFor(600, 16));
        assertEquals(600, cache.capacityFor(600, 64), "over-aligned: posix_memalign, not cached");
        assertEquals(ARENA + 1, cache.capacityFor(ARENA + 1, 16), "larger than an arena: not cached");
        assertEquals(0, cache.capacityFor(0, 16));
        assertThrows(IllegalArgumentException.class, () -> new SystemBlockCache(-1, 0, 0, () -> 0, 1, b -> { }));
        assertThrows(IllegalArgumentException.class, () -> new SystemBlockCache(0, 0, -1, () -> 0, 1, b -> { }));
        IllegalArgumentException ticks = assertThrows(IllegalArgumentException.class,
                () -> new SystemBlockCache(0, 0, 0, () -> 0, 0, b -> { }));
        assertTrue(ticks.getMessage().contains("0 ticks"), ticks.getMessage());
    }

    @Test
    void blocksServeTheirCapacityAndTheCacheStaysWithinItsBound() {
        SystemBlockCache cache = cache(2048);
        SystemPath.Block a = block(0x10000, 1000, 1024);
        SystemPath.Block b = block(0x20000, 1000, 1024);
        SystemPath.Block c = block(0x30000, 900, 1024);
        assertTrue(cache.offer(a));
        assertTrue(cache.offer(b));
        assertFalse(cache.offer(c), "2,048 bytes cached already");
        assertFalse(cache.offer(block(0x40000, 600, 600)), "600 is no capacity of the cache");
        assertEquals(2048, cache.cachedBytes());
        assertNull(cache.take(1280, 16));
        assertNull(cache.take(1024, 64), "over-aligned requests are not served from the cache");
        assertSame(b, cache.take(1024, 16), "last freed, first served");
        assertEquals(1, cache.cachedBlocks());
        assertEquals(1, cache.drain());
        assertEquals(List.of(a), released);
        assertEquals(0, cache.cachedBytes());
        assertNull(cache.take(1024, 16));
    }

    private static SystemPath.Block block(long address, long byteSize, long capacity) {
        return new SystemPath.Block(address, byteSize, 16, Arena.global(), capacity, null);
    }

    /**
     * Swept by frees at most once per half decay: a block waits at least the decay and at most one and a
     * half while blocks are freed; taking blocks reads no clock.
     */
    @Test
    void aBlockCachedLongerThanTheDecayIsReleasedByTheNextSweep() {
        SystemBlockCache cache = cache(ARENA);
        SystemPath.Block old = block(0x10000, 1000, 1024);
        SystemPath.Block young = block(0x20000, 2000, 2048);
        cache.offer(old);
        now = 700;
        cache.offer(young); // a sweep: nothing has waited 1,000 ns
        now = 5_000;
        assertNull(cache.take(1280, 16));
        assertEquals(List.of(), released, "taking sweeps nothing");
        now = 1_199;
        cache.offer(block(0x30000, 300, 320));
        assertEquals(List.of(), released, "no sweep within half a decay of the last");
        now = 1_200;
        cache.offer(block(0x40000, 300, 320));
        assertEquals(List.of(old), released, "waited 1,200 ns; the young one 500");
        assertEquals(3, cache.cachedBlocks());
        assertEquals(2048 + 2 * 320, cache.cachedBytes());
        now = 2_198;
        cache.offer(block(0x50000, 300, 320));
        assertEquals(List.of(old, young), released, "the young one waited 1,498 ns");
        assertEquals(3, cache.cachedBlocks(), "the three 320-byte blocks, none 1,000 ns old");
    }

    /**
     * With a clock read at one free in four: blocks freed between two readings carry the last one, and
     * only the free that reads the clock sweeps.
     */
    @Test
    void aClockReadAtOneFreeInFourStampsTheOthersWithItsLastReading() {
        int[] readings = {0};
        SystemBlockCache cache = new SystemBlockCache(ARENA, ARENA, 1_000, () -> {
            readings[0]++;
            return now;
        }, 4, released::add);
        assertEquals(1, readings[0], "the construction's reading");
        now = 100;
        SystemPath.Block first = block(0x10000, 1000, 1024);
        cache.offer(first); // reads: 100
        now = 900;
        SystemPath.Block stamped100 = block(0x20000, 1000, 1024);
        cache.offer(stamped100);
        cache.offer(block(0x30000, 2000, 2048));
        cache.offer(block(0x40000, 2000, 2048));
        assertEquals(2, readings[0], "one reading for four frees");
        now = 1_050;
        cache.offer(block(0x50000, 300, 320)); // reads 1,050 and sweeps: nothing 1,000 old yet
        assertEquals(List.of(), released);
        now = 1_700; // the next reading is three frees away: no sweep before it
        cache.offer(block(0x60000, 300, 320));
        cache.offer(block(0x70000, 300, 320));
        cache.offer(block(0x80000, 300, 320));
        assertEquals(List.of(), released, "no free read the clock");
        cache.offer(block(0x90000, 300, 320)); // reads 1,700 and sweeps
        assertEquals(List.of(first, stamped100, block(0x30000, 2000, 2048), block(0x40000, 2000, 2048)), released,
                "freed at 900 but stamped 100, the readings before: released 800 ns after its free");
        assertEquals(4, readings[0], "at the construction and at frees 1, 5 and 9");
        assertEquals(5, cache.cachedBlocks());
    }

    @Test
    void aSharedAllocatorServesAFreedBlockAgainWithItsScope() {
        try (PyMalloc shared = PyMalloc.ofShared(Geometry.CPYTHON_3_9)) {
            MemorySegment first = shared.allocate(1000);
            LiveBlocks.fill(first, 3);
            shared.free(first);
            MallocStats cached = shared.stats();
            assertEquals(0, cached.systemLiveBlocks());
            assertEquals(1, cached.systemCachedBlocks());
            assertEquals(1024, cached.systemHeldBytes(), "held at its capacity");
            assertEquals(cached.osMappedBytes() + 1024, cached.heldBytes());

            MemorySegment again = shared.allocateZeroed(900);
            assertEquals(first.address(), again.address(), "the same capacity: the cached block");
            assertEquals(first.scope(), again.scope());
            for (long i = 0; i < 900; i++) {
                assertEquals(0, again.get(ValueLayout.JAVA_BYTE, i), "zeroed at " + i);
            }
            MallocStats reused = shared.stats();
            assertEquals(0, reused.systemCachedBlocks());
            assertEquals(900, reused.systemLiveBytes());
            assertEquals(1024, reused.systemHeldBytes());
            assertEquals(2, reused.systemAllocationsTotal());

            MemorySegment other = shared.allocate(1100);
            assertNotEquals(first.address(), other.address(), "another capacity: a new block");
            shared.free(again);
            IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> shared.free(again));
            assertTrue(twice.getMessage().contains("already freed"), twice.getMessage());
            assertEquals(1, shared.stats().systemCachedBlocks(), "the double free changed nothing");
            shared.free(other);
            shared.stats().checkIdentity();
        }
    }

    /**
     * A cached block asked for again at its own size and alignment is handed out as it was (block record
     * and segment), so a steady pair allocates nothing on the Java heap; any other size of its step gets a
     * new segment of that size. Either way it is live, counted, and its double free is refused.
     */
    @Test
    void aFreedBlockAskedForAtItsOwnSizeIsHandedOutAsItWas() {
        try (PyMalloc shared = PyMalloc.ofShared(Geometry.CPYTHON_3_9)) {
            MemorySegment first = shared.allocate(1000);
            shared.free(first);
            MemorySegment again = shared.allocate(1000);
            assertSame(first, again, "the same size and alignment: the same segment");
            MallocStats stats = shared.stats();
            assertEquals(1, stats.systemLiveBlocks());
            assertEquals(1000, stats.systemLiveBytes());
            assertEquals(2, stats.systemAllocationsTotal());
            shared.free(again);
            assertThrows(IllegalArgumentException.class, () -> shared.free(first));

            MemorySegment smaller = shared.allocate(900);
            assertEquals(first.address(), smaller.address(), "the same capacity");
            assertEquals(900, smaller.byteSize(), "another size: a segment of its own size");
            shared.free(smaller);
            MemorySegment aligned = shared.allocate(900, 8);
            assertEquals(900, aligned.byteSize());
            assertEquals(first.address(), aligned.address(), "8 rounds up to the geometry's 16: the same block");
            shared.free(aligned);
            shared.stats().checkIdentity();
        }
    }

    /**
     * Many blocks of one capacity: the lists grow and wrap around, serving the newest first and releasing
     * the oldest first whatever their slots.
     */
    @Test
    void aCapacityListServesNewestFirstAndReleasesOldestFirstAcrossItsGrowth() {
        SystemBlockCache cache = cache(ARENA);
        List<SystemPath.Block> blocks = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            blocks.add(block(0x10000L * (i + 1), 1000, 1024));
        }
        for (int i = 0; i < 6; i++) {
            cache.offer(blocks.get(i)); // slots 0 to 5 of 8
        }
        for (int i = 5; i >= 2; i--) {
            assertSame(blocks.get(i), cache.take(1024, 16));
        }
        now = 300;
        for (int i = 6; i < 20; i++) {
            cache.offer(blocks.get(i)); // wraps past slot 7, then grows twice
        }
        assertEquals(16, cache.cachedBlocks());
        assertSame(blocks.get(19), cache.take(1024, 16));
        now = 1_000;
        cache.offer(blocks.get(20)); // sweeps: blocks 0 and 1, stamped 0, have waited 1,000 ns
        assertEquals(List.of(blocks.get(0), blocks.get(1)), released);
        now = 1_500;
        cache.offer(blocks.get(21)); // half a decay since the last sweep; the others, 6 to 18, stamped 300
        assertEquals(15, released.size());
        assertEquals(blocks.subList(6, 19), released.subList(2, 15), "oldest first");
        assertSame(blocks.get(21), cache.take(1024, 16));
        assertSame(blocks.get(20), cache.take(1024, 16));
        assertNull(cache.take(1024, 16));
        assertEquals(0, cache.cachedBytes());
    }

    @Test
    void aResizeWithinTheCapacityStepKeepsTheBlock() {
        try (PyMalloc shared = PyMalloc.ofShared(Geometry.CPYTHON_3_9)) {
            MemorySegment block = shared.allocate(1000); // capacity 1,024
            LiveBlocks.fill(block, 9);
            MemorySegment grown = shared.reallocate(block, 1024);
            assertEquals(block.address(), grown.address());
            assertEquals(1024, grown.byteSize());
            MemorySegment shrunk = shared.reallocate(grown, 897);
            assertEquals(block.address(), shrunk.address(), "897 rounds up to 1,024 too");
            LiveBlocks.assertPattern(shrunk, 9);
            MallocStats stats = shared.stats();
            assertEquals(897, stats.systemLiveBytes());
            assertEquals(1024, stats.systemHeldBytes());
            assertEquals(0, stats.systemCachedBlocks());
            MemorySegment moved = shared.reallocate(shrunk, 896); // capacity 896: another step
            assertNotEquals(block.address(), moved.address());
            assertEquals(1, shared.stats().systemCachedBlocks());
            shared.free(moved);
        }
    }

    @Test
    void aResizeMovesToAnotherCapacityAndCachesTheOldBlock() {
        try (PyMalloc shared = PyMalloc.ofShared(Geometry.CPYTHON_3_9)) {
            MemorySegment small = shared.allocate(1000);
            LiveBlocks.fill(small, 5);
            MemorySegment grown = shared.reallocate(small, 3000);
            LiveBlocks.assertPattern(grown.asSlice(0, 1000), 5);
            assertEquals(1, shared.stats().systemCachedBlocks());
            MemorySegment back = shared.reallocate(grown, 1000);
            assertEquals(small.address(), back.address(), "the cached block of the old capacity");
            LiveBlocks.assertPattern(back, 5);
            shared.free(back);
        }
    }

    @Test
    void theCacheHoldsAtMostItsBoundAndTrimAndCloseGiveItBack() {
        PyMalloc shared = PyMalloc.ofShared(Geometry.CPYTHON_3_9);
        int fit = (int) (SystemBlockCache.DEFAULT_MAX_CACHED_BYTES / 229_376);
        MemorySegment[] blocks = new MemorySegment[fit + 2];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = shared.allocate(200_000); // capacity 229,376
        }
        for (MemorySegment block : blocks) {
            shared.free(block);
        }
        MallocStats stats = shared.stats();
        assertEquals(fit, stats.systemCachedBlocks());
        assertEquals(fit * 229_376L, stats.systemHeldBytes());
        assertTrue(stats.systemHeldBytes() <= SystemBlockCache.DEFAULT_MAX_CACHED_BYTES);
        assertThrows(IllegalStateException.class, () -> blocks[fit + 1].get(ValueLayout.JAVA_BYTE, 0),
                "released at once: the cache was full");
        blocks[fit - 1].get(ValueLayout.JAVA_BYTE, 0);
        shared.trim();
        assertEquals(0, shared.stats().systemHeldBytes());
        assertThrows(IllegalStateException.class, () -> blocks[fit - 1].get(ValueLayout.JAVA_BYTE, 0));

        MemorySegment kept = shared.allocate(5000);
        shared.free(kept);
        shared.close();
        assertThrows(IllegalStateException.class, () -> kept.get(ValueLayout.JAVA_BYTE, 0), "close gives it back");
    }

    @Test
    void aMemoryLimitGivesCachedBlocksBackBeforeItRefuses() {
        try (PyMalloc shared = PyMalloc.builder().shared(true).geometry(Geometry.CPYTHON_3_9).maxBytes(600_000)
                .build()) {
            shared.free(shared.allocate(200_000));
            shared.free(shared.allocate(170_000));
            assertEquals(229_376 + 196_608, shared.stats().systemHeldBytes());
            MemorySegment large = shared.allocate(300_000); // needs 300,000: only after the cache is emptied
            assertEquals(0, shared.stats().systemCachedBlocks());
            assertEquals(300_000, shared.stats().systemHeldBytes());
            assertThrows(MemoryLimitError.class, () -> shared.allocate(400_000));
            MemorySegment grown = shared.reallocate(large, 550_000); // counts the growth only, as before
            assertEquals(550_000, shared.stats().systemHeldBytes());
            shared.free(grown);
        }
    }

    @Test
    void theBuilderSetsTheBoundAndZeroClosesEveryScopeAtFree() {
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> PyMalloc.builder().systemBlockCache(-1));
        assertTrue(bad.getMessage().contains("-1"), bad.getMessage());
        try (PyMalloc off = PyMalloc.builder().shared(true).systemBlockCache(0).build()) {
            MemorySegment big = off.allocate(1000);
            off.free(big);
            assertThrows(IllegalStateException.class, () -> big.get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(0, off.stats().systemHeldBytes());
        }
        try (PyMalloc small = PyMalloc.builder().shared(true).systemBlockCache(5000).build()) {
            MemorySegment fits = small.allocate(1000);
            MemorySegment over = small.allocate(4500); // capacity 5,120: more than the cache may hold
            small.free(fits);
            small.free(over);
            assertEquals(1, small.stats().systemCachedBlocks());
            assertThrows(IllegalStateException.class, () -> over.get(ValueLayout.JAVA_BYTE, 0));
            fits.get(ValueLayout.JAVA_BYTE, 0);
        }
        try (PyMalloc confined = PyMalloc.builder().systemBlockCache(1 << 20).build()) {
            MemorySegment big = confined.allocate(1000);
            confined.free(big);
            big.get(ValueLayout.JAVA_BYTE, 0); // cached, as a shared allocator's: still the allocator's memory
            assertEquals(1, confined.stats().systemCachedBlocks());
            MemorySegment again = confined.allocate(1000);
            assertSame(big, again, "served again, segment and all");
            confined.free(again);
            confined.trim();
            assertEquals(0, confined.stats().systemCachedBlocks());
            assertThrows(IllegalStateException.class, () -> big.get(ValueLayout.JAVA_BYTE, 0), "trim closed its scope");
        }
        try (PyMalloc confinedDefault = PyMalloc.ofConfined()) {
            MemorySegment big = confinedDefault.allocate(1000);
            assertEquals(1000, confinedDefault.stats().systemHeldBytes(), "asked for at its size, as CPython does");
            confinedDefault.free(big);
            assertThrows(IllegalStateException.class, () -> big.get(ValueLayout.JAVA_BYTE, 0), "confined: no cache");
            assertEquals(0, confinedDefault.stats().systemHeldBytes());
        }
    }
}
