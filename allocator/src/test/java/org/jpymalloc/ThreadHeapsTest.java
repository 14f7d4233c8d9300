package org.jpymalloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The registry of thread heaps' heaps: which heap a new thread heap gets, and when a heap is made. */
class ThreadHeapsTest {

    private static final Geometry GEOMETRY = Geometry.CPYTHON_3_9;
    private final ArenaMap arenaMap = new ArenaMap(GEOMETRY);
    private final ArenaCounters counters = new ArenaCounters(GEOMETRY);

    private Heap newHeap() {
        return new Heap(GEOMETRY, StripeLock.pinnable(), arenaMap, counters, ArenaRetention.defaults(),
                ArenaPolicy.CPYTHON, MemoryBudget.unlimited(), new Usage(), false);
    }

    /** What ThreadHeap.open and close do around {@link ThreadHeaps#adopt} and {@link ThreadHeaps#orphan}. */
    private static void release(Heap heap, Thread holder) {
        heap.lock.unlock(holder);
    }

    private static void close(ThreadHeaps heaps, Heap heap, Thread holder) {
        heap.lock.lock(holder);
        heap.lock.unpin();
        heap.lock.unlock(holder);
        heaps.orphan(heap);
    }

    @Test
    void aClosedThreadHeapsHeapIsAdoptedNotANewOne() {
        AtomicInteger made = new AtomicInteger();
        ThreadHeaps heaps = new ThreadHeaps(() -> {
            made.incrementAndGet();
            return newHeap();
        });
        Thread me = Thread.currentThread();
        Heap first = heaps.adopt(me);
        release(first, me);
        close(heaps, first, me);
        Heap second = heaps.adopt(me);
        release(second, me);
        assertSame(first, second);
        assertEquals(1, made.get());
    }

    /**
     * A thread that found no orphan and waited for the registry's lock while another made a heap takes the
     * heap closed meanwhile: otherwise every thread queued behind a slow first heap (a cold JIT, a loaded
     * host) made a heap of its own, and a million virtual threads left hundreds.
     */
    @Test
    void aThreadThatWaitedForTheLockAdoptsTheHeapClosedMeanwhile() throws Exception {
        AtomicInteger made = new AtomicInteger();
        CountDownLatch makingSecond = new CountDownLatch(1);
        CountDownLatch finishSecond = new CountDownLatch(1);
        ThreadHeaps heaps = new ThreadHeaps(() -> {
            if (made.incrementAndGet() == 2) {
                makingSecond.countDown();
                await(finishSecond);
            }
            return newHeap();
        });
        Thread me = Thread.currentThread();
        Heap first = heaps.adopt(me);
        release(first, me);

        Thread maker = Thread.ofPlatform().start(() -> release(heaps.adopt(Thread.currentThread()),
                Thread.currentThread()));
        makingSecond.await(); // the maker holds the registry's lock, making the second heap
        AtomicReference<Heap> waited = new AtomicReference<>();
        Thread waiter = Thread.ofPlatform().start(() -> {
            Heap heap = heaps.adopt(Thread.currentThread());
            release(heap, Thread.currentThread());
            waited.set(heap);
        });
        awaitWaiting(waiter);
        close(heaps, first, me); // an orphan appears while the waiter waits for the lock
        finishSecond.countDown();
        maker.join();
        waiter.join();

        assertSame(first, waited.get());
        assertEquals(2, made.get());
        assertEquals(0, heaps.orphanCount());
        assertEquals(2, heaps.all().length);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** Until {@code thread} parks (on the registry's lock: nothing else parks on that path); 10 s at most. */
    private static void awaitWaiting(Thread thread) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (thread.getState() != Thread.State.WAITING) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(thread + " never waited for the registry's lock: " + thread.getState());
            }
            Thread.sleep(1);
        }
    }
}
