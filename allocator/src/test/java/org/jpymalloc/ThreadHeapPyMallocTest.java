package org.jpymalloc;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract, run on a thread heap of a shared allocator, plus what only a thread heap promises: only its
 * holder allocates, anyone frees, close leaves its blocks live.
 */
class ThreadHeapPyMallocTest extends AbstractPyMallocContractTest {

    private final List<PyMalloc> sharedAllocators = new ArrayList<>();

    @Override
    protected PyMalloc create(Geometry geometry) {
        PyMalloc shared = PyMalloc.ofShared(geometry);
        sharedAllocators.add(shared);
        return shared.threadHeap();
    }

    @Override
    protected void checkInvariants(PyMalloc allocator) {
        ((ThreadHeap) allocator).shared().checkInvariants();
    }

    @Override
    protected void releaseAll() {
        for (PyMalloc shared : sharedAllocators) {
            try {
                shared.close();
            } catch (IllegalStateException alreadyClosed) {
                // a test closed it
            }
        }
    }

    private SharedAllocator shared() {
        return ((ThreadHeap) allocator).shared();
    }

    // ---- the contract's close tests, for a thread heap's close ----

    /** A thread heap's close leaves its blocks live: the shared allocator's close frees them. */
    @Override
    protected void closeWhole(PyMalloc other) {
        other.close();
        ((ThreadHeap) other).shared().close();
    }

    @Override
    @Test
    void everyCallAfterCloseThrows() {
        MemorySegment small = allocator.allocate(16);
        MemorySegment big = allocator.allocate(1024);
        LiveBlocks.fill(small, 5);
        allocator.close();
        for (Runnable call : List.<Runnable>of(() -> allocator.allocate(16), () -> allocator.allocate(16, 8),
                () -> allocator.allocateZeroed(16), () -> allocator.free(small), () -> allocator.reallocate(small, 32),
                () -> allocator.allocateAddress(8), () -> allocator.freeAddress(small.address()),
                () -> allocator.allocateHandle(8), allocator::close)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, call::run);
            assertTrue(e.getMessage().contains("thread heap is closed"), e.getMessage());
        }
        LiveBlocks.assertPattern(small, 5); // the blocks are the shared allocator's: still live
        shared().free(small);
        shared().free(big);
        shared().checkInvariants();
    }

    @Override
    @Test
    void statsAfterCloseAreTheSnapshotTakenAtClose() {
        long live = allocator.stats().blocksInUse();
        allocator.close();
        assertEquals(live, shared().stats().blocksInUse(), "a thread heap's close frees nothing");
        assertEquals(live, allocator.stats().blocksInUse(), "a thread heap's statistics are the shared allocator's");
        shared().close();
        assertEquals(live, allocator.stats().blocksInUse(), "the snapshot at the shared allocator's close");
    }

    // ---- what only a thread heap promises ----

    @Test
    void onlyTheHolderAllocatesButAnyThreadFrees() {
        MemorySegment a = allocator.allocate(40);
        long address = allocator.allocateAddress(40);
        for (Runnable call : List.<Runnable>of(() -> allocator.allocate(8), () -> allocator.allocateZeroed(8),
                () -> allocator.allocateAddress(8), () -> allocator.reallocate(a, 80),
                () -> allocator.reallocateAddress(address, 80), () -> allocator.allocateHandle(8), allocator::close)) {
            Throwable thrown = onOtherThread(call::run);
            assertInstanceOf(WrongThreadException.class, thrown);
            assertTrue(thrown.getMessage().contains("thread heap belongs to"), thrown.getMessage());
        }
        assertNull(onOtherThread(() -> {
            allocator.free(a);
            allocator.freeAddress(address);
        }));
        assertBadSegment("double free", () -> allocator.free(a));
        assertStillWorks();
    }

    @Test
    void aThreadHeapFreesAnotherHeapsBlocksAndTheyGoBackToTheirOwnPools() {
        MemorySegment stripeBlock = shared().allocate(64);
        MemorySegment[] fromOther = new MemorySegment[1];
        assertNull(onOtherThread(() -> {
            try (PyMalloc theirs = shared().threadHeap()) {
                fromOther[0] = theirs.allocate(64);
                LiveBlocks.fill(fromOther[0], 4);
            }
        }));
        LiveBlocks.assertPattern(fromOther[0], 4);
        long before = shared().stats().blocksInUse();
        allocator.free(stripeBlock);
        allocator.free(fromOther[0]);
        assertEquals(before - 2, shared().stats().blocksInUse());
        assertBadSegment("double free", () -> allocator.free(fromOther[0]));
        assertBadSegment("double free", () -> shared().free(stripeBlock));
    }

    /**
     * The holder's free of its own block in an arena other than the one it used last stays on the holder's
     * way and remembers that arena, as a confined free does (it used to go the shared allocator's way, by the
     * arena map, for every block outside the last arena).
     */
    @Test
    void theHoldersFreeInAnOlderArenaRemembersThatArena() {
        Heap heap = ((ThreadHeap) allocator).heap();
        List<MemorySegment> blocks = new ArrayList<>();
        MappedArena firstArena = LiveBlocks.fillPastFirstArena(allocator, heap, blocks);
        MemorySegment first = blocks.get(0);
        long inUse = shared().stats().blocksInUse();
        allocator.free(first);
        assertSame(firstArena, heap.cachedArena(first.address()), "the holder's free found it and remembers it");
        assertEquals(inUse - 1, shared().stats().blocksInUse());
        assertBadSegment("double free", () -> allocator.free(first));
        for (MemorySegment block : blocks.subList(1, blocks.size())) {
            allocator.free(block);
        }
        assertEquals(inUse - blocks.size(), shared().stats().blocksInUse());
    }

    @Test
    void aClosedThreadHeapsHeapIsAdoptedByTheNextOneWithItsPools() {
        MemorySegment kept = allocator.allocate(48);
        Heap heap = ((ThreadHeap) allocator).heap();
        allocator.close();
        PyMalloc next = shared().threadHeap();
        assertNotSame(allocator, next);
        assertEquals(heap, ((ThreadHeap) next).heap(), "the orphan is adopted");
        MemorySegment neighbour = next.allocate(48);
        assertEquals(kept.address() + 48, neighbour.address(), "the same pool serves the next thread heap");
        next.free(kept);
        next.free(neighbour);
        next.close();
        allocator = shared().threadHeap(); // for tearDown
    }

    @Test
    void aDeadThreadsHeapIsAdoptedAndItsBlocksStayLive() throws InterruptedException {
        MemorySegment[] left = new MemorySegment[1];
        Thread thread = Thread.ofPlatform().start(() -> {
            PyMalloc mine = shared().threadHeap(); // never closed
            left[0] = mine.allocate(100);
            LiveBlocks.fill(left[0], 6);
        });
        thread.join();
        int[] before = shared().threadHeapsAndOrphans();
        LiveBlocks.assertPattern(left[0], 6);
        PyMalloc adopter = shared().threadHeap();
        assertEquals(before[0], shared().threadHeapsAndOrphans()[0], "no new heap: the dead thread's is adopted");
        adopter.free(left[0]);
        assertBadSegment("double free", () -> adopter.free(left[0]));
        adopter.close();
    }

    @Test
    void closingTheSharedAllocatorEndsEveryThreadHeap() {
        MemorySegment s = allocator.allocate(24);
        shared().close();
        for (Runnable call : List.<Runnable>of(() -> allocator.allocate(16), () -> allocator.allocateAddress(16),
                () -> allocator.free(s), () -> allocator.allocate(4000), allocator::close,
                () -> allocator.threadHeap())) {
            IllegalStateException e = assertThrows(IllegalStateException.class, call::run);
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
        }
        assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void aConfinedAllocatorHasNoThreadHeaps() {
        try (PyMalloc confined = PyMalloc.ofConfined()) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, confined::threadHeap);
            assertTrue(e.getMessage().contains("PyMalloc.ofShared()"), e.getMessage());
        }
        try (PyMalloc debug = PyMalloc.builder().debugHooks(true).build()) {
            assertThrows(UnsupportedOperationException.class, debug::threadHeap);
        }
    }

    @Test
    void handlesOfAThreadHeapAreReleasedFromAnyThreadAfterItCloses() {
        Handle handle = allocator.allocateHandle(32);
        long before = shared().stats().blocksInUse();
        allocator.close();
        assertNull(onOtherThread(handle::release));
        assertEquals(before - 1, shared().stats().blocksInUse());
        allocator = shared().threadHeap();
    }

    @Test
    void aDecoratedSharedAllocatorsThreadHeapKeepsItsOptions() {
        PyMalloc debug = PyMalloc.builder().shared(true).debugHooks(true).tracing(4)
                .atClose(LeakDetection.AtClose.IGNORE).build();
        {
            PyMalloc heap = debug.threadHeap();
            MemorySegment s = heap.allocate(24);
            assertEquals(DebugHooks.CLEAN, s.get(ValueLayout.JAVA_BYTE, 0), "debug fill");
            assertEquals(1, heap.tracer().liveByLine().size(), "traced");
            heap.checkGuards();
            assertInstanceOf(WrongThreadException.class, onOtherThread(() -> heap.allocate(8)));
            assertNull(onOtherThread(() -> heap.free(s)));
            IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> heap.free(s));
            assertTrue(twice.getMessage().contains("double free"), twice.getMessage());
            MemorySegment kept = heap.allocate(40);
            heap.close();
            IllegalStateException closed = assertThrows(IllegalStateException.class, () -> heap.allocate(8));
            assertTrue(closed.getMessage().contains("thread heap is closed"), closed.getMessage());
            debug.free(kept); // live after the thread heap's close
            PyMalloc another = debug.threadHeap();
            debug.close();
            assertThrows(IllegalStateException.class, () -> another.allocate(8));
            assertThrows(IllegalStateException.class, another::close);
        }
    }

    @Override
    protected boolean cachesFreedSystemBlocks() {
        return true;
    }
}
