package org.jpymalloc;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HandleTest {

    @Test
    void countsAndFreesOnTheLastRelease() {
        try (PyMalloc heap = PyMalloc.ofConfined()) {
            MemorySegment bystander = heap.allocate(64);
            bystander.set(ValueLayout.JAVA_LONG, 0, 0xC0FFEEL);
            Handle handle = heap.allocateHandle(64);
            assertEquals(1, handle.refCount());
            assertEquals(64, handle.segment().byteSize());
            handle.segment().set(ValueLayout.JAVA_LONG, 0, 7);
            assertSame(handle, handle.retain());
            assertEquals(2, handle.refCount());
            assertFalse(handle.release());
            assertEquals(2, heap.stats().blocksInUse(), "still allocated");
            assertTrue(handle.release());
            assertEquals(0, handle.refCount());
            assertEquals(1, heap.stats().blocksInUse(), "freed: only the bystander is left");

            IllegalStateException segment = assertThrows(IllegalStateException.class, handle::segment);
            assertTrue(segment.getMessage().startsWith("segment() on a released handle (block 0x"), segment.getMessage());
            IllegalStateException retain = assertThrows(IllegalStateException.class, handle::retain);
            assertTrue(retain.getMessage().startsWith("retain() on a released handle"), retain.getMessage());
            IllegalStateException release = assertThrows(IllegalStateException.class, handle::release);
            assertTrue(release.getMessage().startsWith("release() on a released handle"), release.getMessage());
            assertEquals(0, handle.refCount(), "a failed release does not go below zero");
            assertEquals(0xC0FFEEL, bystander.get(ValueLayout.JAVA_LONG, 0), "bystander intact");
            heap.allocate(64).set(ValueLayout.JAVA_LONG, 0, 1); // the allocator keeps working
        }
    }

    @Test
    void tryWithResourcesReleasesOnce() {
        try (PyMalloc heap = PyMalloc.ofConfined()) {
            try (Handle handle = heap.allocateHandle(1000)) {
                handle.segment().fill((byte) 1);
                assertEquals(1, heap.stats().systemLiveBlocks());
            }
            assertEquals(0, heap.stats().systemLiveBlocks());
            assertThrows(IllegalArgumentException.class, () -> heap.allocateHandle(-1));
            assertEquals(0, heap.stats().blocksInUse());
        }
    }

    @Test
    void sharedHandlesAreRetainedAndReleasedFromManyThreads() throws InterruptedException {
        try (PyMalloc heap = PyMalloc.ofShared()) {
            List<Handle> handles = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                handles.add(heap.allocateHandle(16 + i));
            }
            int threads = 4;
            CountDownLatch done = new CountDownLatch(threads);
            AtomicInteger freedByWorkers = new AtomicInteger();
            for (int t = 0; t < threads; t++) {
                Thread.ofPlatform().start(() -> {
                    for (int round = 0; round < 200; round++) {
                        for (Handle h : handles) {
                            h.retain();
                            if (h.release()) {
                                freedByWorkers.incrementAndGet();
                            }
                        }
                    }
                    done.countDown();
                });
            }
            assertTrue(done.await(60, TimeUnit.SECONDS));
            assertEquals(0, freedByWorkers.get(), "the count never reached zero while the creator held one");
            handles.forEach(h -> assertEquals(1, h.refCount()));
            Thread last = Thread.ofPlatform().start(() -> handles.forEach(h -> assertTrue(h.release())));
            last.join();
            assertEquals(0, heap.stats().blocksInUse(), "another thread's last release freed every block");
        }
    }

    @Test
    void aConfinedBlockIsNotFreedFromAnotherThread() throws InterruptedException {
        try (PyMalloc heap = PyMalloc.ofConfined()) {
            Handle handle = heap.allocateHandle(32);
            List<Throwable> failures = new CopyOnWriteArrayList<>();
            Thread other = Thread.ofPlatform().start(() -> {
                try {
                    handle.release();
                } catch (Throwable t) {
                    failures.add(t);
                }
            });
            other.join();
            assertEquals(1, failures.size());
            assertTrue(failures.getFirst() instanceof WrongThreadException, failures.toString());
            assertEquals(1, handle.refCount(), "the count is restored: the block is still owned");
            assertTrue(handle.release());
        }
    }

    @Test
    void anUnreachableHandleIsReportedWithItsSites() throws InterruptedException {
        List<LeakDetection.Leak> leaks = new CopyOnWriteArrayList<>();
        try (PyMalloc heap = PyMalloc.builder().leakDetection(LeakDetection.Level.ALL).leakListener(leaks::add).build()) {
            MemorySegment kept = leakOneHandle(heap);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (leaks.isEmpty() && System.nanoTime() < deadline) {
                System.gc();
                Thread.sleep(20);
            }
            assertEquals(1, leaks.size(), "one leak reported");
            LeakDetection.Leak leak = leaks.getFirst();
            assertEquals(kept.address(), leak.address());
            assertEquals(48, leak.byteSize());
            assertEquals(2, leak.refCount());
            assertTrue(leak.allocationSite().contains("HandleTest.leakOneHandle"), leak.allocationSite());
            assertEquals(3, leak.history().size(), leak.history().toString());
            assertTrue(leak.history().get(0).startsWith("retain (count now 2) at:"), leak.history().get(0));
            assertTrue(leak.history().get(1).startsWith("retain (count now 3) at:"), leak.history().get(1));
            assertTrue(leak.history().get(2).startsWith("release (count now 2) at:"), leak.history().get(2));
            assertTrue(leak.history().get(2).contains("HandleTest.leakOneHandle"), leak.history().get(2));
            assertTrue(leak.describe().startsWith("LEAK: a jpymalloc handle of 48 bytes at 0x"), leak.describe());
            assertEquals(1, heap.stats().blocksInUse(), "the block stays allocated (the segment may still be used)");
            kept.set(ValueLayout.JAVA_INT, 0, 5);
        }
    }

    @Test
    void releasedHandlesAndDisabledDetectionReportNothing() throws InterruptedException {
        List<LeakDetection.Leak> leaks = new CopyOnWriteArrayList<>();
        try (PyMalloc all = PyMalloc.builder().leakDetection(LeakDetection.Level.ALL).leakListener(leaks::add).build();
             PyMalloc disabled = PyMalloc.builder().leakDetection(LeakDetection.Level.DISABLED)
                     .leakListener(leaks::add).build()) {
            for (int i = 0; i < 100; i++) {
                all.allocateHandle(32).release();
                disabled.allocateHandle(32); // leaked, but not watched
            }
            for (int i = 0; i < 5; i++) {
                System.gc();
                Thread.sleep(20);
            }
            assertEquals(List.of(), leaks);
        }
    }

    @Test
    void badLeakSettingsAreRejectedByName() {
        assertThrows(NullPointerException.class, () -> PyMalloc.builder().leakDetection(null));
        assertThrows(NullPointerException.class, () -> PyMalloc.builder().leakListener(null));
        withProperty(LeakDetection.LEVEL_PROPERTY, "sometimes", () -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PyMalloc.builder().build());
            assertEquals("-Djpymalloc.leakDetection=sometimes is not a leak detection level; use DISABLED, SAMPLED or ALL",
                    e.getMessage());
        });
        withProperty(LeakDetection.LEVEL_PROPERTY, "all",
                () -> assertEquals(LeakDetection.Level.ALL, LeakDetection.Level.fromSystemProperty()));
    }

    @Test
    void closeReportsTheBlocksStillLivePerClass() {
        PyMalloc throwing = PyMalloc.builder().atClose(LeakDetection.AtClose.THROW).build();
        throwing.allocate(64);
        throwing.allocate(64);
        throwing.allocateHandle(20);
        throwing.allocate(1000);
        IllegalStateException report = assertThrows(IllegalStateException.class, throwing::close);
        assertEquals("""
                jpymalloc allocator closed with 4 live blocks (160 bytes in pool blocks, 1,000 on the system path); \
                freed now:
                  class 1 (32-byte blocks): 1
                  class 3 (64-byte blocks): 2
                  system path: 1 blocks of 1,000 bytes""".replace("\n", System.lineSeparator()), report.getMessage());
        assertThrows(IllegalStateException.class, () -> throwing.allocate(64), "closed all the same");

        java.util.logging.Logger logger = java.util.logging.Logger.getLogger("org.jpymalloc.leaks");
        List<String> logged = new CopyOnWriteArrayList<>();
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                logged.add(record.getLevel() + " " + record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(capture);
        try {
            PyMalloc logging = PyMalloc.builder().shared(true).atClose(LeakDetection.AtClose.LOG).build();
            logging.allocate(16);
            logging.close();
            PyMalloc clean = PyMalloc.builder().atClose(LeakDetection.AtClose.LOG).build();
            clean.free(clean.allocate(16));
            clean.close();
            PyMalloc quiet = PyMalloc.builder().atClose(LeakDetection.AtClose.IGNORE).build();
            quiet.allocate(16);
            quiet.close();
        } finally {
            logger.removeHandler(capture);
        }
        assertEquals(1, logged.size(), logged.toString());
        assertTrue(logged.getFirst().startsWith("WARNING jpymalloc allocator closed with 1 live blocks"), logged.getFirst());
        assertThrows(NullPointerException.class, () -> PyMalloc.builder().atClose(null));
        withProperty(LeakDetection.AT_CLOSE_PROPERTY, "explode", () -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PyMalloc.builder().build());
            assertEquals("-Djpymalloc.atClose=explode is not an at-close action; use LOG, THROW or IGNORE",
                    e.getMessage());
        });
        withProperty(LeakDetection.AT_CLOSE_PROPERTY, null,
                () -> assertEquals(LeakDetection.AtClose.LOG, LeakDetection.AtClose.fromSystemProperty(), "default"));
    }

    /** Runs {@code body} with a system property set ({@code null}: cleared), then restores it. */
    private static void withProperty(String name, String value, Runnable body) {
        String previous = System.getProperty(name);
        try {
            if (value == null) {
                System.clearProperty(name);
            } else {
                System.setProperty(name, value);
            }
            body.run();
        } finally {
            if (previous == null) {
                System.clearProperty(name);
            } else {
                System.setProperty(name, previous);
            }
        }
    }

    /** Allocates a handle, retains and releases it once, and drops it with a count of 2 left. */
    private static MemorySegment leakOneHandle(PyMalloc heap) {
        Handle handle = heap.allocateHandle(48);
        handle.retain().retain();
        handle.release();
        return handle.segment();
    }
}
