package org.jpymalloc;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** tracemalloc's model (snapshots by line and traceback, compare, traced and peak bytes), JFR and JMX. */
class TracingTest {

    private static List<MemorySegment> smallOnes(PyMalloc heap) {
        List<MemorySegment> blocks = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            blocks.add(heap.allocate(40));
        }
        return blocks;
    }

    private static List<MemorySegment> bigOnes(PyMalloc heap) {
        List<MemorySegment> blocks = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            blocks.add(heap.allocate(1000));
        }
        return blocks;
    }

    @Test
    void snapshotsGroupCompareAndTrackPeaks() {
        try (PyMalloc heap = PyMalloc.builder().tracing(4).atClose(LeakDetection.AtClose.IGNORE).build()) {
            AllocationTracer tracer = heap.tracer();
            assertEquals(4, tracer.depth());
            TraceSnapshot empty = tracer.snapshot();
            List<MemorySegment> small = smallOnes(heap);
            List<MemorySegment> big = bigOnes(heap);
            assertEquals(100 * 40 + 10 * 1000, tracer.tracedBytes());
            assertEquals(110, tracer.tracedBlocks());

            TraceSnapshot full = tracer.snapshot();
            List<TraceSnapshot.Statistic> byLine = full.statistics(TraceSnapshot.GroupBy.LINE);
            assertEquals(2, byLine.size());
            assertEquals("bigOnes", byLine.get(0).traceback().line().getMethodName(), "largest first");
            assertEquals(10_000, byLine.get(0).size());
            assertEquals(10, byLine.get(0).count());
            assertEquals("smallOnes", byLine.get(1).traceback().line().getMethodName());
            assertEquals(4000, byLine.get(1).size());
            assertEquals(1, byLine.get(0).traceback().frames().size(), "grouped by line: one frame");
            TraceSnapshot.Statistic whole = full.statistics(TraceSnapshot.GroupBy.TRACEBACK).getFirst();
            assertEquals(4, whole.traceback().frames().size());
            assertEquals("snapshotsGroupCompareAndTrackPeaks", whole.traceback().frames().get(1).getMethodName());

            big.forEach(heap::free);
            heap.free(small.removeFirst());
            assertEquals(99 * 40, tracer.tracedBytes());
            assertEquals(14_000, tracer.peakTracedBytes());
            tracer.resetPeak();
            assertEquals(99 * 40, tracer.peakTracedBytes());

            List<TraceSnapshot.StatisticDiff> diff = tracer.snapshot().changesSince(full, TraceSnapshot.GroupBy.LINE);
            assertEquals("bigOnes", diff.get(0).traceback().line().getMethodName());
            assertEquals(-10_000, diff.get(0).sizeDiff());
            assertEquals(0, diff.get(0).size());
            assertEquals(-1, diff.get(1).countDiff());
            assertEquals(99 * 40, tracer.snapshot().compareTo(empty, TraceSnapshot.GroupBy.LINE).getFirst().sizeDiff(),
                    "the 0.1.0 name still answers");
            assertEquals("groupBy", assertThrows(NullPointerException.class,
                    () -> tracer.snapshot().changesSince(full, null)).getMessage());
            assertEquals("older snapshot", assertThrows(NullPointerException.class,
                    () -> tracer.snapshot().changesSince(null, TraceSnapshot.GroupBy.LINE)).getMessage());

            MemorySegment moved = heap.reallocate(small.getFirst(), 300);
            assertEquals(98 * 40 + 300, tracer.tracedBytes(), "a realloc is traced at its new size");
            heap.free(moved);
        }
    }

    @Test
    void samplingTracesAFractionAndCloseReportsSites() {
        try (PyMalloc sampled = PyMalloc.builder().tracing(1).tracingSampling(10).build()) {
            for (int i = 0; i < 5000; i++) {
                sampled.free(sampled.allocate(16));
            }
            sampled.allocate(16);
            assertTrue(sampled.tracer().tracedBlocks() <= 1);
            assertEquals(10, sampled.tracer().sampling());
        }
        PyMalloc throwing = PyMalloc.builder().tracing(3).atClose(LeakDetection.AtClose.THROW).build();
        smallOnes(throwing);
        IllegalStateException report = assertThrows(IllegalStateException.class, throwing::close);
        assertTrue(report.getMessage().contains("traced blocks still live at close, by allocation site (1 sites):"),
                report.getMessage());
        assertTrue(report.getMessage().contains("TracingTest.smallOnes(TracingTest.java:"), report.getMessage());
        assertTrue(report.getMessage().contains("size=4000 B, count=100"), report.getMessage());
    }

    @Test
    void badTracingSettingsAreRejectedByValue() {
        assertEquals("tracing frames must be 1 to 100, got 0",
                assertThrows(IllegalArgumentException.class, () -> PyMalloc.builder().tracing(0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> PyMalloc.builder().tracing(101));
        assertEquals("tracing sampling must be 1 or more (one in N), got 0",
                assertThrows(IllegalArgumentException.class, () -> PyMalloc.builder().tracingSampling(0)).getMessage());
        assertEquals("tracingSampling(5) needs tracing(frames)",
                assertThrows(IllegalArgumentException.class, () -> PyMalloc.builder().tracingSampling(5).build())
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> PyMalloc.builder().jfr(" "));
        try (PyMalloc plain = PyMalloc.ofConfined()) {
            IllegalStateException off = assertThrows(IllegalStateException.class, plain::tracer);
            assertEquals("tracing is off: build the allocator with PyMalloc.builder().tracing(frames)", off.getMessage());
            IllegalStateException noHooks = assertThrows(IllegalStateException.class, plain::checkGuards);
            assertEquals("debug hooks are off: build the allocator with PyMalloc.builder().debugHooks(true)",
                    noHooks.getMessage(), "checkGuards() behaves as tracer() when its option is off");
            assertThrows(IllegalArgumentException.class, () -> PyMallocMXBean.register(plain, ""));
            assertThrows(NullPointerException.class, () -> PyMallocMXBean.register(null, "x"));
        }
    }

    @Test
    void jfrRecordsStatisticsAndTracedAllocations(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("jpymalloc.jfr");
        try (Recording recording = new Recording()) {
            recording.enable("org.jpymalloc.Statistics").withPeriod(Duration.ofMillis(50));
            recording.enable("org.jpymalloc.Allocation");
            recording.start();
            try (PyMalloc heap = PyMalloc.builder().shared(true).tracing(2).jfr("jfr-test")
                    .atClose(LeakDetection.AtClose.IGNORE).build()) {
                for (int i = 0; i < 50; i++) {
                    heap.allocate(24);
                }
                Thread.sleep(300);
            }
            recording.stop();
            recording.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        List<RecordedEvent> allocations = events.stream()
                .filter(e -> e.getEventType().getName().equals("org.jpymalloc.Allocation")).toList();
        assertEquals(50, allocations.size());
        assertEquals(24, allocations.getFirst().getLong("size"));
        assertEquals(1, allocations.getFirst().getInt("sizeClass"));
        assertTrue(allocations.getFirst().getString("site").contains("jfrRecordsStatisticsAndTracedAllocations"),
                allocations.getFirst().getString("site"));
        List<RecordedEvent> statistics = events.stream()
                .filter(e -> e.getEventType().getName().equals("org.jpymalloc.Statistics"))
                .filter(e -> "jfr-test".equals(e.getString("allocator"))).toList();
        assertTrue(!statistics.isEmpty(), "periodic statistics recorded");
        assertTrue(statistics.stream().anyMatch(e -> e.getLong("blocks") == 50), statistics.toString());
    }

    @Test
    void theMXBeanShowsTheCounters() throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try (PyMalloc shared = PyMalloc.builder().shared(true).atClose(LeakDetection.AtClose.IGNORE).build();
             PyMalloc confined = PyMalloc.builder().atClose(LeakDetection.AtClose.IGNORE).build()) {
            ObjectName sharedName = PyMallocMXBean.register(shared, "shared-test");
            ObjectName confinedName = PyMallocMXBean.register(confined, "confined-test");
            try {
                assertEquals("org.jpymalloc:name=\"shared-test\",type=PyMalloc", sharedName.getCanonicalName());
                shared.allocate(64);
                shared.allocate(5000);
                assertEquals(2L, server.getAttribute(sharedName, "BlocksInUse"));
                assertEquals(5000L, server.getAttribute(sharedName, "SystemLiveBytes"));
                assertEquals(1L, server.getAttribute(sharedName, "ArenasCurrent"));
                assertEquals(false, server.getAttribute(confinedName, "SnapshotAvailable"));
                confined.allocate(16);
                confined.stats(); // the owner publishes a snapshot
                assertEquals(true, server.getAttribute(confinedName, "SnapshotAvailable"));
                assertEquals(1L, server.getAttribute(confinedName, "BlocksInUse"));
                PyMallocMXBean proxy = javax.management.JMX.newMBeanProxy(server, sharedName, PyMallocMXBean.class);
                assertEquals(2L, proxy.getBlocksInUse(), "a proxy of the interface reads the attributes");
                assertTrue(proxy.isSnapshotAvailable());
                assertThrows(IllegalArgumentException.class, () -> PyMallocMXBean.register(shared, "shared-test"));
            } finally {
                server.unregisterMBean(sharedName);
                server.unregisterMBean(confinedName);
            }
        }
    }
}
