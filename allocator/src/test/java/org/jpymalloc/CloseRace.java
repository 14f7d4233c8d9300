package org.jpymalloc;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * {@code close()} from one thread while others allocate, write, reallocate and free on a shared
 * allocator (directly, or each through a thread heap of its own): every other thread's calls and accesses
 * either complete or throw
 * {@link IllegalStateException} (the allocator's "closed", or the JDK's for a closed scope); nothing
 * hangs, nothing crashes. Run in a child JVM by {@link MisuseInChildJvmTest}.
 */
final class CloseRace {

    private static final int ROUNDS = 30;
    private static final int WORKERS = 2;

    private CloseRace() {
    }

    static void run(int biasQuietOps) throws Exception {
        run(biasQuietOps, false);
    }

    /** With {@code threadHeaps}, each worker works through a thread heap it opens. */
    static void run(int biasQuietOps, boolean threadHeaps) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
        try {
            for (int round = 0; round < ROUNDS; round++) {
                raceOnce(pool, biasQuietOps, round, threadHeaps);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static void raceOnce(ExecutorService pool, int biasQuietOps, int round, boolean threadHeaps)
            throws Exception {
        SharedAllocator allocator = SharedStressTest.withBiasPolicy(biasQuietOps);
        CountDownLatch running = new CountDownLatch(WORKERS);
        List<Future<String>> workers = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            long seed = round * 31L + w;
            workers.add(pool.submit(() -> work(allocator, threadHeaps, new SplittableRandom(seed), running)));
        }
        running.await();
        Thread.sleep(1 + round % 5);
        allocator.close();
        for (Future<String> worker : workers) {
            String ending = worker.get(30, TimeUnit.SECONDS); // a hang fails here
            MisuseCases.expect(ending.startsWith("IllegalStateException"), "round " + round + ": " + ending);
        }
    }

    /** Works until the allocator is closed; answers how it ended. */
    private static String work(PyMalloc shared, boolean threadHeap, SplittableRandom random,
                               CountDownLatch running) {
        List<MemorySegment> held = new ArrayList<>();
        running.countDown();
        try {
            PyMalloc allocator = threadHeap ? shared.threadHeap() : shared;
            while (true) {
                MemorySegment s = allocator.allocate(SharedStressTest.size(random));
                SharedStressTest.writeCookie(s);
                held.add(s);
                if (held.size() > 64) {
                    MemorySegment old = held.remove(random.nextInt(held.size()));
                    SharedStressTest.checkCookie(old);
                    if (random.nextBoolean()) {
                        allocator.free(old);
                    } else {
                        MemorySegment moved = allocator.reallocate(old, SharedStressTest.size(random));
                        SharedStressTest.writeCookie(moved);
                        held.add(moved);
                    }
                }
                if (!held.isEmpty() && held.getLast().byteSize() >= 8) {
                    held.getLast().get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
                }
            }
        } catch (IllegalStateException expected) {
            return "IllegalStateException: " + expected.getMessage();
        } catch (Throwable t) {
            java.io.StringWriter trace = new java.io.StringWriter();
            t.printStackTrace(new java.io.PrintWriter(trace));
            return "unexpected " + trace;
        }
    }
}
