package org.jpymalloc;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded multi-threaded stress on the shared allocator (mimalloc's {@code test-stress.c} idea): threads
 * allocate blocks of every class and of the system path, write a cookie into each, hand them to other
 * threads through queues, and the receiving thread checks the cookie and frees the block. At the end no
 * block is live, the statistics are exact and at most one arena per stripe is still mapped.
 *
 * <p>CI runs a short version; {@code -Djpymalloc.stress.operations=20000000} runs the long one.
 */
class SharedStressTest {

    private static final long OPERATIONS = Long.getLong("jpymalloc.stress.operations", 300_000);
    private static final int THREADS = 4;

    @Test
    void blocksHandedBetweenThreadsKeepTheirBytesAndAllComeBack() throws Exception {
        SharedAllocator allocator = new SharedAllocator(Geometry.CPYTHON_3_9);
        List<ConcurrentLinkedQueue<MemorySegment>> queues = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            queues.add(new ConcurrentLinkedQueue<>());
        }
        AtomicLong verified = new AtomicLong();
        CountDownLatch start = new CountDownLatch(1);
        try (var pool = Executors.newFixedThreadPool(THREADS)) {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int me = t;
                workers.add(pool.submit(() -> {
                    start.await();
                    SplittableRandom random = new SplittableRandom(1234 + me);
                    for (long i = 0; i < OPERATIONS / THREADS; i++) {
                        MemorySegment s = allocator.allocate(size(random));
                        writeCookie(s);
                        queues.get(random.nextInt(THREADS)).add(s);
                        MemorySegment theirs = queues.get(me).poll();
                        if (theirs != null && random.nextInt(4) > 0) {
                            checkCookie(theirs);
                            allocator.free(theirs);
                            verified.incrementAndGet();
                        } else if (theirs != null) {
                            long oldAddress = checkCookie(theirs).address();
                            MemorySegment moved = allocator.reallocate(theirs, size(random));
                            if (moved.byteSize() >= 8 && theirs.byteSize() >= 8
                                    && moved.get(ValueLayout.JAVA_LONG_UNALIGNED, 0) != oldAddress) {
                                throw new AssertionError("reallocate lost the block's first word");
                            }
                            writeCookie(moved);
                            queues.get(me).add(moved);
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> w : workers) {
                w.get(10, TimeUnit.MINUTES);
            }
        }
        for (ConcurrentLinkedQueue<MemorySegment> q : queues) {
            for (MemorySegment s; (s = q.poll()) != null; ) {
                allocator.free(s);
            }
        }
        allocator.checkInvariants();
        MallocStats stats = allocator.stats().checkIdentity();
        assertEquals(0, stats.blocksInUse());
        assertEquals(0, stats.systemLiveBlocks());
        assertEquals(0, stats.systemLiveBytes());
        assertTrue(stats.arenasCurrent() <= allocator.stripeCount(),
                "at most one (kept) arena per stripe: " + stats.arenasCurrent());
        assertTrue(verified.get() > OPERATIONS / 4, "blocks were handed over and verified: " + verified.get());
        allocator.close();
    }

    static long size(SplittableRandom random) {
        int dice = random.nextInt(100);
        if (dice < 90) {
            return 1 + random.nextInt(512);
        }
        return dice < 92 ? 0 : 513 + random.nextInt(8000);
    }

    /**
     * The block's first word holds its own address and, past that word, its last byte the address's low
     * byte; a block under 8 bytes holds the low byte in its first byte.
     */
    static void writeCookie(MemorySegment s) {
        if (s.byteSize() >= 8) {
            s.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, s.address());
            if (s.byteSize() > 8) {
                s.set(ValueLayout.JAVA_BYTE, s.byteSize() - 1, (byte) s.address());
            }
        } else if (s.byteSize() > 0) {
            s.set(ValueLayout.JAVA_BYTE, 0, (byte) s.address());
        }
    }

    static MemorySegment checkCookie(MemorySegment s) {
        boolean ok = s.byteSize() == 0
                || (s.byteSize() >= 8
                        ? s.get(ValueLayout.JAVA_LONG_UNALIGNED, 0) == s.address()
                                && (s.byteSize() == 8 || s.get(ValueLayout.JAVA_BYTE, s.byteSize() - 1) == (byte) s.address())
                        : s.get(ValueLayout.JAVA_BYTE, 0) == (byte) s.address());
        if (!ok) {
            throw new AssertionError("block at 0x" + Long.toHexString(s.address()) + " lost its cookie");
        }
        return s;
    }
}
