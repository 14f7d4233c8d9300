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

    // ---- a thread heap's own system path ----

    private SystemPath ownSystemPath() {
        return ((ThreadHeap) allocator).heap().systemPath();
    }

    /**
     * A block over the threshold comes from the heap's own path, and freed by its holder waits in that
     * path's cache, to be handed out again as it was: the shared system path never sees it.
     */
    @Test
    void theHoldersLargeBlocksComeFromAndGoBackToItsHeapsOwnPath() {
        int live = ownSystemPath().liveCount(); // the contract's bystanders hold some
        long sharedLive = shared().stats().systemLiveBlocks();
        int recorded = stripesOf().systemBlocksRecorded();
        MemorySegment big = allocator.allocate(1024);
        LiveBlocks.fill(big, 3);
        assertEquals(live + 1, ownSystemPath().liveCount());
        assertEquals(sharedLive + 1, shared().stats().systemLiveBlocks(), "the shared allocator's statistics cover it");
        assertEquals(recorded + 1, stripesOf().systemBlocksRecorded(), "recorded as the heap's");
        int cached = ownSystemPath().cachedCount();
        allocator.free(big);
        assertEquals(live, ownSystemPath().liveCount());
        assertEquals(cached + 1, ownSystemPath().cachedCount());
        assertEquals(sharedLive, shared().stats().systemLiveBlocks());
        assertEquals(cached + 1, shared().stats().systemCachedBlocks());
        assertEquals(recorded + 1, stripesOf().systemBlocksRecorded(), "a cached block stays recorded");
        assertBadSegment("already freed", () -> allocator.free(big));
        assertBadAddress(big.address(), "already freed", () -> allocator.freeAddress(big.address()));
        assertSame(big, allocator.allocate(1024), "served again as it was, from the heap's own cache");
        MemorySegment zeroed = allocator.allocateZeroed(2000);
        assertEquals(0, zeroed.get(ValueLayout.JAVA_LONG, 1992));
        assertEquals(live + 2, ownSystemPath().liveCount());
        allocator.free(big);
        allocator.freeAddress(zeroed.address());
        assertEquals(sharedLive, shared().stats().systemLiveBlocks());
    }

    /** Another thread frees (and resizes) a thread heap's large block through the shared allocator's index. */
    @Test
    void anyThreadFreesAndResizesAThreadHeapsLargeBlock() {
        int live = ownSystemPath().liveCount();
        MemorySegment big = allocator.allocate(3000);
        MemorySegment other = allocator.allocate(5000);
        LiveBlocks.fill(big, 8);
        LiveBlocks.fill(other, 9);
        MemorySegment[] moved = new MemorySegment[1];
        assertNull(onOtherThread(() -> {
            moved[0] = shared().reallocate(other, 9000); // another capacity step: a new block of the same heap
            shared().free(big);
        }));
        assertEquals(live + 1, ownSystemPath().liveCount(), "the resized block stays the heap's");
        LiveBlocks.assertPattern(moved[0].asSlice(0, 5000), 9);
        assertInstanceOf(IllegalArgumentException.class, onOtherThread(() -> shared().free(big)),
                "a second free from another thread is rejected");
        assertBadSegment("already freed", () -> allocator.free(big));
        assertNull(onOtherThread(() -> shared().freeAddress(moved[0].address())));
        assertEquals(live, ownSystemPath().liveCount());
        assertStillWorks();
    }

    /**
     * The holder frees, through its thread heap, large blocks its heap's path does not hold: its stripe's
     * and a closed thread heap's. Each goes back to its own heap's path; a second free is refused.
     */
    @Test
    void theHolderFreesOtherHeapsLargeBlocksThroughItsThreadHeap() {
        int live = ownSystemPath().liveCount();
        SystemPath stripePath = ((SharedAllocator) shared()).callersStripe().systemPath();
        int stripeLive = stripePath.liveCount();
        MemorySegment stripes = shared().allocate(2048);
        MemorySegment[] theirs = new MemorySegment[1];
        PyMalloc[] other = new PyMalloc[1];
        assertNull(onOtherThread(() -> {
            other[0] = shared().threadHeap();
            theirs[0] = other[0].allocate(4096);
            other[0].close(); // its blocks stay live, its heap waits to be adopted
        }));
        SystemPath otherPath = ((ThreadHeap) other[0]).heap().systemPath();
        int otherLive = otherPath.liveCount();
        assertEquals(stripeLive + 1, stripePath.liveCount());
        allocator.free(stripes);
        allocator.freeAddress(theirs[0].address());
        assertEquals(stripeLive, stripePath.liveCount(), "back to the stripe's path");
        assertEquals(otherLive - 1, otherPath.liveCount(), "back to the other thread heap's path");
        assertEquals(live, ownSystemPath().liveCount(), "never the holder's");
        assertBadSegment("already freed", () -> allocator.free(stripes));
        assertBadAddress(theirs[0].address(), "already freed", () -> allocator.freeAddress(theirs[0].address()));
        assertStillWorks();
    }

    /** The holder's resize of its own large block, through the thread heap and the shared allocator. */
    @Test
    void theHolderResizesItsLargeBlockInItsOwnPath() {
        int live = ownSystemPath().liveCount();
        MemorySegment big = allocator.allocate(1500);
        LiveBlocks.fill(big, 12);
        MemorySegment grown = allocator.reallocate(big, 20_000);
        LiveBlocks.assertPattern(grown.asSlice(0, 1500), 12);
        long address = shared().reallocateAddress(grown.address(), 40_000);
        assertEquals(live + 1, ownSystemPath().liveCount());
        assertBadSegment("stale segment", () -> allocator.reallocate(MemorySegment.ofAddress(address)
                .reinterpret(40_000), 100));
        long small = allocator.reallocateAddress(address, 100);
        LiveBlocks.assertPattern(MemorySegment.ofAddress(small).reinterpret(100), 12);
        assertEquals(live + 1, ownSystemPath().liveCount(), "as in pymalloc, a system block stays one");
        allocator.freeAddress(small);
        assertEquals(live, ownSystemPath().liveCount());
    }

    /**
     * A thread heap's close leaves its large blocks live (freed later by anyone), its cache waits with its
     * heap for the next thread heap, trim empties it, and the shared allocator's close frees whatever is
     * left: every segment then inaccessible, nothing recorded.
     */
    @Test
    void closeTrimAndTheSharedCloseReachEveryHeapsOwnPath() {
        MemorySegment kept = allocator.allocate(4096);
        MemorySegment cached = allocator.allocate(8192);
        LiveBlocks.fill(kept, 21);
        allocator.free(cached);
        allocator.close();
        LiveBlocks.assertPattern(kept, 21);
        PyMalloc next = shared().threadHeap();
        assertSame(cached, next.allocate(8192), "the adopted heap's cache serves the next thread heap");
        next.free(cached);
        shared().trim();
        assertEquals(0, shared().stats().systemCachedBlocks());
        assertThrows(IllegalStateException.class, () -> cached.get(ValueLayout.JAVA_BYTE, 0), "trimmed: closed");
        int recorded = stripesOf().systemBlocksRecorded();
        MemorySegment live = next.allocate(2048);
        assertEquals(recorded + 1, stripesOf().systemBlocksRecorded());
        Stripes stripes = stripesOf();
        SharedAllocator closing = shared();
        closing.close();
        assertEquals(0, stripes.systemBlocksRecorded(), "close gave every block back");
        assertThrows(IllegalStateException.class, () -> kept.get(ValueLayout.JAVA_BYTE, 0));
        assertThrows(IllegalStateException.class, () -> live.get(ValueLayout.JAVA_BYTE, 0));
        assertThrows(IllegalStateException.class, () -> next.allocate(2048));
    }

    /** Bad input to the own path's free: a heap segment, an address inside a block, one never allocated. */
    @Test
    void badFreesOfLargeBlocksAreRejectedAndChangeNothing() {
        int live = ownSystemPath().liveCount();
        MemorySegment big = allocator.allocate(1024);
        LiveBlocks.fill(big, 30);
        IllegalArgumentException heapSegment = assertThrows(IllegalArgumentException.class,
                () -> allocator.free(MemorySegment.ofArray(new byte[2048])));
        assertTrue(heapSegment.getMessage().contains("heap segment"), heapSegment.getMessage());
        assertBadAddress(big.address() + 16, "never allocated", () -> allocator.freeAddress(big.address() + 16));
        assertBadSegment("never allocated", () -> allocator.free(MemorySegment.ofAddress(big.address() + 64)
                .reinterpret(64)));
        assertInstanceOf(IllegalArgumentException.class,
                onOtherThread(() -> shared().freeAddress(big.address() + 32)));
        LiveBlocks.assertPattern(big, 30);
        assertEquals(live + 1, ownSystemPath().liveCount());
        allocator.free(big);
    }

    /** A memory limit counts a thread heap's large blocks; past it, its own cache is given back first. */
    @Test
    void aMemoryLimitCountsAThreadHeapsLargeBlocks() {
        PyMalloc limited = PyMalloc.builder().shared(true).maxBytes(300_000).build();
        sharedAllocators.add(limited);
        PyMalloc heap = limited.threadHeap();
        MemorySegment a = heap.allocate(150_000);
        heap.free(a);
        assertEquals(1, limited.stats().systemCachedBlocks());
        MemorySegment b = heap.allocate(200_000); // fits only once the cached block is given back
        assertEquals(0, limited.stats().systemCachedBlocks());
        assertThrows(MemoryLimitError.class, () -> heap.allocate(200_000));
        LiveBlocks.fill(b, 2);
        LiveBlocks.assertPattern(b, 2);
        heap.free(b);
        assertEquals(0, limited.stats().systemLiveBlocks());
        heap.close();
    }

    private Stripes stripesOf() {
        return shared().stripesForTests();
    }

    @Override
    protected boolean cachesFreedSystemBlocks() {
        return true;
    }
}
