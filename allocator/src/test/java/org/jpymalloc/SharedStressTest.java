package org.jpymalloc;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
 * threads through queues, and the receiving thread checks the cookie and frees the block, while another
 * thread takes statistics under the load and checks their identity. At the end no block is live, the
 * statistics are exact and at most one arena per stripe is still mapped.
 *
 * <p>It runs under three owner-bias policies: the default, none (every operation locks), and re-biasing
 * at once after every revocation, so that the owner handshake runs as often as the load allows.
 *
 * <p>CI runs a short version; {@code -Djpymalloc.stress.operations=20000000} runs the long one.
 */
class SharedStressTest {

    private static final long OPERATIONS = Long.getLong("jpymalloc.stress.operations", 300_000);
    private static final int THREADS = 4;

    @ParameterizedTest(name = "bias quiet ops {0}")
    @ValueSource(ints = {StripeLock.DEFAULT_QUIET_OPS, -1, 0})
    void blocksHandedBetweenThreadsKeepTheirBytesAndAllComeBack(int biasQuietOps) throws Exception {
        SharedAllocator allocator = withBiasPolicy(biasQuietOps);
        List<ConcurrentLinkedQueue<MemorySegment>> queues = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            queues.add(new ConcurrentLinkedQueue<>());
        }
        AtomicLong verified = new AtomicLong();
        AtomicLong snapshots = new AtomicLong();
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        try (var pool = Executors.newFixedThreadPool(THREADS + 1)) {
            Future<?> watcher = pool.submit(() -> {
                start.await();
                while (!done.await(1, TimeUnit.MILLISECONDS)) {
                    allocator.stats().checkIdentity();
                    snapshots.incrementAndGet();
                }
                return null;
            });
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
            try {
                for (Future<?> w : workers) {
                    w.get(10, TimeUnit.MINUTES);
                }
            } finally {
                done.countDown();
            }
            watcher.get(1, TimeUnit.MINUTES);
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
        assertTrue(snapshots.get() > 0, "statistics were taken under load");
        long[] bias = allocator.biasGrantsAndRevocations();
        if (biasQuietOps < 0 || !StripeLock.BIAS_SUPPORTED) {
            assertEquals(0, bias[0], "no stripe is biased under this policy");
        } else if (biasQuietOps == 0) {
            assertTrue(bias[1] > 10, "owners were revoked again and again: " + bias[1]);
        }
        allocator.close();
    }

    /** A shared allocator with the default stripes and spares and the given owner-bias policy. */
    static SharedAllocator withBiasPolicy(int biasQuietOps) {
        return new SharedAllocator(Geometry.CPYTHON_3_9, Stripes.defaultCount(),
                ArenaRetention.defaults(), ArenaPolicy.CPYTHON, HandleSettings.defaults(), MemoryBudget.unlimited(),
                false, biasQuietOps);
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
    static MemorySegment writeCookie2(MemorySegment s) {
        writeCookie(s);
        return s;
    }

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
