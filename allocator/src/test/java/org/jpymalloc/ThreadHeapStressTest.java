package org.jpymalloc;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded stress on thread heaps: each worker allocates through a thread heap of its own and writes a
 * <em>serial</em> (a per-allocation counter, not the block's address) into each block, hands blocks to
 * other workers, who check the serial and free them through their own thread heap or the shared
 * allocator, or reallocate them; workers close and reopen their thread heaps as they go (so heaps are
 * adopted under load) while another thread takes statistics. A block handed out twice would be caught by
 * its serial, whatever the double-free check saw. At the end nothing is live and the statistics are exact.
 * Runs on platform threads and on virtual threads.
 */
class ThreadHeapStressTest {

    private static final long OPERATIONS = Long.getLong("jpymalloc.stress.operations", 300_000);
    private static final int WORKERS = 4;
    private static final int REOPEN_EVERY = 5_000;

    record Sent(MemorySegment block, long serial) {
    }

    @Test
    void platformThreads() throws Exception {
        stress(Executors.newFixedThreadPool(WORKERS + 1));
    }

    @Test
    void virtualThreads() throws Exception {
        stress(Executors.newVirtualThreadPerTaskExecutor());
    }

    private static void stress(ExecutorService pool) throws Exception {
        SharedAllocator shared = (SharedAllocator) PyMalloc.ofShared();
        List<ConcurrentLinkedQueue<Sent>> queues = new ArrayList<>();
        for (int t = 0; t < WORKERS; t++) {
            queues.add(new ConcurrentLinkedQueue<>());
        }
        AtomicLong serials = new AtomicLong();
        AtomicLong verified = new AtomicLong();
        AtomicLong snapshots = new AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        try (pool) {
            Future<?> watcher = pool.submit(() -> {
                while (!done.await(1, TimeUnit.MILLISECONDS)) {
                    shared.stats().checkIdentity();
                    snapshots.incrementAndGet();
                }
                return null;
            });
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < WORKERS; t++) {
                int me = t;
                workers.add(pool.submit(() -> {
                    work(shared, me, queues, serials, verified);
                    return null;
                }));
            }
            try {
                for (Future<?> worker : workers) {
                    worker.get(10, TimeUnit.MINUTES);
                }
            } finally {
                done.countDown();
            }
            watcher.get(1, TimeUnit.MINUTES);
        }
        for (ConcurrentLinkedQueue<Sent> queue : queues) {
            for (Sent sent; (sent = queue.poll()) != null; ) {
                shared.free(checkSerial(sent));
            }
        }
        shared.checkInvariants();
        MallocStats stats = shared.stats().checkIdentity();
        assertEquals(0, stats.blocksInUse());
        assertEquals(0, stats.systemLiveBlocks());
        assertTrue(verified.get() > OPERATIONS / 4, "blocks were handed over and verified: " + verified.get());
        assertTrue(snapshots.get() > 0, "statistics were taken under load");
        int heaps = shared.threadHeapsAndOrphans()[0];
        assertTrue(heaps <= WORKERS, "closed thread heaps were adopted, not multiplied: " + heaps + " heaps");
        shared.close();
    }

    private static void work(SharedAllocator shared, int me, List<ConcurrentLinkedQueue<Sent>> queues,
                             AtomicLong serials, AtomicLong verified) {
        SplittableRandom random = new SplittableRandom(4321 + me);
        PyMalloc heap = shared.threadHeap();
        for (long i = 1; i <= OPERATIONS / WORKERS; i++) {
            MemorySegment block = heap.allocate(SharedStressTest.size(random));
            queues.get(random.nextInt(WORKERS)).add(withSerial(block, serials.incrementAndGet()));
            Sent theirs = queues.get(me).poll();
            if (theirs != null) {
                int dice = random.nextInt(8);
                if (dice < 5) {
                    heap.free(checkSerial(theirs));
                    verified.incrementAndGet();
                } else if (dice < 6) {
                    shared.free(checkSerial(theirs));
                    verified.incrementAndGet();
                } else {
                    MemorySegment moved = heap.reallocate(checkSerial(theirs), SharedStressTest.size(random));
                    queues.get(me).add(withSerial(moved, serials.incrementAndGet()));
                }
            }
            if (i % REOPEN_EVERY == 0) {
                heap.close();
                heap = shared.threadHeap();
            }
        }
        heap.close();
    }

    /** The serial in the first word (or byte) and, past that word, its low byte in the last byte. */
    private static Sent withSerial(MemorySegment block, long serial) {
        if (block.byteSize() >= 8) {
            block.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, serial);
            if (block.byteSize() > 8) {
                block.set(ValueLayout.JAVA_BYTE, block.byteSize() - 1, (byte) serial);
            }
        } else if (block.byteSize() > 0) {
            block.set(ValueLayout.JAVA_BYTE, 0, (byte) serial);
        }
        return new Sent(block, serial);
    }

    private static MemorySegment checkSerial(Sent sent) {
        MemorySegment s = sent.block();
        long serial = sent.serial();
        boolean ok = s.byteSize() == 0
                || (s.byteSize() >= 8
                        ? s.get(ValueLayout.JAVA_LONG_UNALIGNED, 0) == serial
                                && (s.byteSize() == 8 || s.get(ValueLayout.JAVA_BYTE, s.byteSize() - 1) == (byte) serial)
                        : s.get(ValueLayout.JAVA_BYTE, 0) == (byte) serial);
        if (!ok) {
            throw new AssertionError("block at 0x" + Long.toHexString(s.address()) + " lost serial " + serial
                    + ": handed out twice?");
        }
        return s;
    }
}
