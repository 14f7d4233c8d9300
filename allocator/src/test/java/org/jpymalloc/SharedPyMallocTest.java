package org.jpymalloc;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The contract, run on the shared allocator, plus what only it promises: any thread, any block. */
class SharedPyMallocTest extends AbstractPyMallocContractTest {

    @Override
    protected PyMalloc create(Geometry geometry) {
        return PyMalloc.ofShared(geometry);
    }

    @Override
    protected void checkInvariants(PyMalloc allocator) {
        ((SharedAllocator) allocator).checkInvariants();
    }

    @Test
    void anyThreadMayFreeReallocateAndAccessAnyBlock() {
        MemorySegment small = allocator.allocate(40);
        MemorySegment big = allocator.allocate(3000);
        LiveBlocks.fill(small, 1);
        LiveBlocks.fill(big, 2);
        AtomicReference<MemorySegment> fromOther = new AtomicReference<>();
        assertNull(onOtherThread(() -> {
            LiveBlocks.assertPattern(small, 1);
            LiveBlocks.assertPattern(big, 2);
            allocator.free(small);
            MemorySegment r = allocator.reallocate(big, 5000);
            LiveBlocks.assertPattern(r.asSlice(0, 3000), 2);
            allocator.free(r);
            MemorySegment mine = allocator.allocate(24);
            LiveBlocks.fill(mine, 3);
            fromOther.set(mine);
        }));
        LiveBlocks.assertPattern(fromOther.get(), 3);
        allocator.free(fromOther.get());
        assertStillWorks();
    }

    /**
     * A thread's large blocks come from its stripe's own system path, go back to it when the thread frees
     * them, and are found through the index when another thread does; a second free from either is refused.
     */
    @Test
    void largeBlocksLiveInTheirStripesOwnPathAndAnyThreadFreesThem() {
        SharedAllocator shared = (SharedAllocator) allocator;
        SystemPath mine = shared.callersStripe().systemPath();
        int live = mine.liveCount();
        long statsLive = shared.stats().systemLiveBlocks();
        MemorySegment kept = allocator.allocate(3000);
        MemorySegment sent = allocator.allocate(1024);
        LiveBlocks.fill(kept, 41);
        assertEquals(live + 2, mine.liveCount());
        assertEquals(statsLive + 2, shared.stats().systemLiveBlocks());
        int cached = mine.cachedCount();
        allocator.free(kept);
        assertEquals(cached + 1, mine.cachedCount(), "the caller's own stripe keeps it to serve again");
        assertSame(kept, allocator.allocate(3000), "and serves it again as it was");
        assertNull(onOtherThread(() -> allocator.free(sent)));
        assertEquals(live + 1, mine.liveCount(), "freed in its own stripe's path by another thread");
        assertTrue(onOtherThread(() -> allocator.free(sent)) instanceof IllegalArgumentException);
        assertBadSegment("already freed", () -> allocator.free(sent));
        long[] moved = new long[1];
        assertNull(onOtherThread(() -> moved[0] = allocator.reallocateAddress(kept.address(), 20_000)));
        assertEquals(live + 1, mine.liveCount(), "resized by another thread, it stays in its heap's path");
        LiveBlocks.assertPattern(MemorySegment.ofAddress(moved[0]).reinterpret(3000), 41);
        allocator.freeAddress(moved[0]);
        assertEquals(live, mine.liveCount());
        assertEquals(statsLive, shared.stats().systemLiveBlocks());
    }

    /**
     * A free that misses its stripe's last arena finds the arena in the map and, as the stripe's owner,
     * remembers it for the next frees; a double free there is still refused.
     */
    @Test
    void aFreeInAnOlderArenaRemembersThatArena() {
        Heap stripe = ((SharedAllocator) allocator).callersStripe();
        List<MemorySegment> blocks = new ArrayList<>();
        MappedArena firstArena = LiveBlocks.fillPastFirstArena(allocator, stripe, blocks);
        MemorySegment first = blocks.get(0);
        long inUse = allocator.stats().blocksInUse();
        allocator.free(first);
        assertSame(firstArena, stripe.cachedArena(first.address()), "the free found it and remembers it");
        assertEquals(inUse - 1, allocator.stats().blocksInUse());
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> allocator.free(first));
        assertTrue(twice.getMessage().contains("double free"), twice.getMessage());
        for (MemorySegment block : blocks.subList(1, blocks.size())) {
            allocator.free(block);
        }
        assertEquals(inUse - blocks.size(), allocator.stats().blocksInUse());
        checkInvariants(allocator);
    }

    @Test
    void aBlockFreedByAnotherThreadGoesBackToItsOwnPool() {
        MemorySegment a = allocator.allocate(64);
        long before = allocator.stats().sizeClasses().get(3).blocksInUse();
        assertNull(onOtherThread(() -> allocator.free(a)));
        assertEquals(before - 1, allocator.stats().sizeClasses().get(3).blocksInUse());
        assertEquals(a.address(), allocator.allocate(64).address(), "LIFO: the freed block is reused first");
    }

    @Test
    void misuseFromAnotherThreadIsRejectedToo() {
        MemorySegment a = allocator.allocate(48);
        allocator.free(a);
        Throwable e = onOtherThread(() -> allocator.free(a));
        assertTrue(e instanceof IllegalArgumentException && e.getMessage().contains("double free"), String.valueOf(e));
        assertStillWorks();
    }

    @Test
    void callsAfterCloseFromAnyThreadThrow() {
        allocator.close();
        Throwable e = onOtherThread(() -> allocator.allocate(16));
        assertTrue(e instanceof IllegalStateException && e.getMessage().contains("closed"), String.valueOf(e));
    }

    @Test
    void theBuilderMakesSharedAndConfinedAllocators() {
        try (PyMalloc shared = PyMalloc.builder().geometry(Geometry.CPYTHON_3_10).shared(true).build()) {
            assertEquals(Geometry.CPYTHON_3_10, shared.geometry());
            MemorySegment s = shared.allocate(100);
            assertNull(onOtherThread(() -> shared.free(s)));
        }
        try (PyMalloc confined = PyMalloc.builder().build()) {
            MemorySegment s = confined.allocate(100);
            assertTrue(onOtherThread(() -> s.get(ValueLayout.JAVA_BYTE, 0)) instanceof WrongThreadException);
            confined.free(s);
        }
        NullPointerException e = assertThrows(NullPointerException.class, () -> PyMalloc.builder().geometry(null));
        assertEquals("geometry", e.getMessage());
    }

    @Override
    protected boolean cachesFreedSystemBlocks() {
        return true;
    }
}
