package org.jpymalloc;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Threads that die and virtual threads by the hundred thousand: the shared allocator keeps no
 * per-thread state (a stripe's owner bias is one field of the stripe), so nothing leaks when a thread
 * dies and nothing grows with the number of threads.
 */
class SharedThreadLifecycleTest {

    @Test
    void blocksOfDeadThreadsAreFreedByOthersAndTheirArenasGoBack() throws Exception {
        SharedAllocator allocator = (SharedAllocator) PyMalloc.ofShared(Geometry.CPYTHON_3_9);
        ConcurrentLinkedQueue<MemorySegment> orphans = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 5_000; i++) {
                    MemorySegment s = allocator.allocate(16 + i % 497);
                    SharedStressTest.writeCookie(s);
                    orphans.add(s);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(80_000, allocator.stats().blocksInUse(), "all 16 threads are dead; their blocks live on");
        long[] biasBefore = allocator.biasGrantsAndRevocations();
        for (MemorySegment s; (s = orphans.poll()) != null; ) {
            allocator.free(SharedStressTest.checkCookie(s));
        }
        allocator.checkInvariants();
        MallocStats stats = allocator.stats().checkIdentity();
        assertEquals(0, stats.blocksInUse());
        assertTrue(stats.arenasCurrent() <= allocator.stripeCount(), "arenas kept: " + stats.arenasCurrent());
        assertEquals(biasBefore[1], allocator.biasGrantsAndRevocations()[1],
                "a dead owner's stripe is adopted, not revoked");
        allocator.close();
    }

    @Test
    void otherThreadsFreeIntoAnOwnedStripeWithoutRevokingItAndDoubleFreesAreStillCaught() throws Exception {
        SharedAllocator allocator = SharedStressTest.withBiasPolicy(StripeLock.DEFAULT_QUIET_OPS);
        List<MemorySegment> mine = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            mine.add(SharedStressTest.writeCookie2(allocator.allocate(8 + i % 500)));
        }
        onAnotherThread(() -> {
            for (int i = 0; i < mine.size(); i += 2) {
                allocator.free(SharedStressTest.checkCookie(mine.get(i)));
            }
        });
        onAnotherThread(() -> allocator.free(mine.get(1)));
        // The owner frees a block another thread already freed (it waits on the stripe's remote list).
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> allocator.free(mine.get(1)));
        assertTrue(twice.getMessage().contains("double free"), twice.getMessage());
        long[] bias = allocator.biasGrantsAndRevocations();
        if (StripeLock.BIAS_SUPPORTED) {
            assertEquals(1, bias[0], "the first operation biased the stripe to this thread");
            assertEquals(0, bias[1], "frees from other threads left the owner in place");
        }
        assertEquals(499, allocator.stats().checkIdentity().blocksInUse(), "the remote frees were collected");
        // Another thread frees a block twice: the second is caught, on the lock path.
        AtomicReference<Throwable> second = new AtomicReference<>();
        onAnotherThread(() -> {
            allocator.free(mine.get(3));
            second.set(assertThrows(IllegalArgumentException.class, () -> allocator.free(mine.get(3))));
        });
        assertTrue(second.get().getMessage().contains("double free"), second.get().getMessage());
        for (int i = 5; i < mine.size(); i += 2) {
            allocator.free(SharedStressTest.checkCookie(mine.get(i)));
        }
        allocator.checkInvariants();
        assertEquals(0, allocator.stats().checkIdentity().blocksInUse());
        allocator.close();
    }

    /** Runs {@code task} on a new platform thread and waits; its failure, if any, fails the test. */
    private static void onAnotherThread(org.junit.jupiter.api.function.Executable task) {
        Throwable failure = AbstractPyMallocContractTest.onOtherThread(task);
        if (failure != null) {
            throw new AssertionError("on another thread", failure);
        }
    }


    @Test
    void aHundredThousandLiveVirtualThreadsCostOnlyTheirBlocks() throws Exception {
        SharedAllocator allocator = (SharedAllocator) PyMalloc.ofShared(Geometry.CPYTHON_3_9);
        int threads = 100_000;
        CountDownLatch allocated = new CountDownLatch(threads);
        CountDownLatch release = new CountDownLatch(1);
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < threads; i++) {
                executor.submit(() -> {
                    MemorySegment s = allocator.allocate(32);
                    SharedStressTest.writeCookie(s);
                    allocated.countDown();
                    release.await();
                    allocator.free(SharedStressTest.checkCookie(s));
                    return null;
                });
            }
            allocated.await();
            MallocStats live = allocator.stats();
            assertEquals(threads, live.blocksInUse());
            // 100,000 blocks of 32 bytes fill 100,000 / 126 pools: the cost follows the blocks, not the threads.
            long pools = live.poolsInUse();
            assertTrue(pools <= threads / 126 + allocator.stripeCount(), "pools in use: " + pools);
            release.countDown();
        }
        MallocStats after = allocator.stats().checkIdentity();
        assertEquals(0, after.blocksInUse());
        assertTrue(after.arenasCurrent() <= allocator.stripeCount());
        allocator.close();
    }

    @Test
    void aMillionShortVirtualThreadsLeaveNothingBehind() throws Exception {
        SharedAllocator allocator = (SharedAllocator) PyMalloc.ofShared(Geometry.CPYTHON_3_9);
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 1_000_000; i++) {
                int size = 1 + i % 512;
                executor.submit(() -> allocator.free(allocator.allocate(size)));
            }
        }
        MallocStats stats = allocator.stats().checkIdentity();
        assertEquals(0, stats.blocksInUse());
        assertTrue(stats.arenasCurrent() <= allocator.stripeCount(), "arenas: " + stats.arenasCurrent());
        assertTrue(stats.arenasHighwater() <= 4L * allocator.stripeCount(),
                "a million threads needed at most a few arenas per stripe: " + stats.arenasHighwater());
        assertEquals(0, allocator.biasGrantsAndRevocations()[0], "virtual threads never own a stripe");
        allocator.close();
    }

    @Test
    void aMillionVirtualThreadsEachWithAThreadHeapStayBounded() throws Exception {
        SharedAllocator allocator = (SharedAllocator) PyMalloc.ofShared(Geometry.CPYTHON_3_9);
        AtomicInteger opening = new AtomicInteger();
        AtomicInteger mostOpening = new AtomicInteger();
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 1_000_000; i++) {
                int size = 1 + i % 512;
                executor.submit(() -> {
                    mostOpening.accumulateAndGet(opening.incrementAndGet(), Math::max);
                    try (PyMalloc heap = allocator.threadHeap()) {
                        MemorySegment a = heap.allocate(size);
                        MemorySegment b = heap.allocate(16);
                        SharedStressTest.writeCookie(a);
                        heap.free(b);
                        heap.free(SharedStressTest.checkCookie(a));
                    }
                    opening.decrementAndGet();
                });
            }
        }
        MallocStats stats = allocator.stats().checkIdentity();
        assertEquals(0, stats.blocksInUse());
        int[] heapsAndOrphans = allocator.threadHeapsAndOrphans();
        assertEquals(heapsAndOrphans[0], heapsAndOrphans[1], "every thread heap closed: every heap an orphan");
        // A heap is made only when every heap is held or being adopted: never more heaps than threads that
        // were between threadHeap() and the end of close() at once, whatever the scheduler did.
        assertTrue(heapsAndOrphans[0] <= mostOpening.get(),
                "heaps: " + heapsAndOrphans[0] + ", thread heaps opening or open at once: " + mostOpening.get());
        // And those are the carriers plus what unmounts a holder, never the million threads; each heap keeps at
        // most one arena (and, decaying, a retained one).
        int processors = Runtime.getRuntime().availableProcessors();
        assertTrue(heapsAndOrphans[0] <= 64 * processors, "heaps: " + heapsAndOrphans[0]);
        assertTrue(stats.arenasHighwater() <= allocator.stripeCount() + 2L * heapsAndOrphans[0],
                "arenas high-water mark: " + stats.arenasHighwater() + " for " + heapsAndOrphans[0] + " heaps");
        allocator.close();
    }
}
