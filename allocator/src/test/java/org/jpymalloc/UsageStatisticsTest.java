package org.jpymalloc;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Requested bytes per class, peaks, fragmentation measures and the arena histogram, against a model. */
class UsageStatisticsTest {

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void requestedBytesAndPeaksFollowTheBlocks(boolean shared) {
        try (PyMalloc heap = PyMalloc.builder().shared(shared).spareArenas(0).trackRequestedBytes(true).build()) {
            Geometry g = heap.geometry();
            List<MemorySegment> blocks = new ArrayList<>();
            long[] requested = new long[g.sizeClassCount()];
            long system = 0;
            for (int i = 0; i < 5000; i++) {
                long size = 1 + (i * 7919L) % 700;
                blocks.add(heap.allocate(size));
                if (size <= 512) {
                    requested[g.sizeClassIndex(size)] += size;
                } else {
                    system += size;
                }
            }
            MallocStats full = heap.stats().checkIdentity();
            long peak = full.requestedBytes();
            for (MallocStats.SizeClassStats c : full.sizeClasses()) {
                assertEquals(requested[c.index()], c.requestedBytes(), "class " + c.index());
                assertTrue(c.internalFragmentationBytes() >= 0 && c.internalFragmentationBytes() < g.alignment()
                        * Math.max(1, c.blocksInUse()), "class " + c.index());
            }
            assertEquals(system, full.systemLiveBytes());
            assertEquals(full.requestedBytesPeak(), peak, "growing only: the peak is now");
            assertEquals(full.heldBytes(), full.heldBytesPeak());
            assertEquals(full.heldBytes(), full.heldBytesAtRequestedPeak());

            // Free two thirds, then shrink one block in place (a quarter less stays in its 64-byte block).
            for (int i = 0; i < blocks.size(); i++) {
                if (i % 3 != 0) {
                    heap.free(blocks.get(i));
                }
            }
            MemorySegment big = heap.allocate(64);
            MemorySegment same = heap.reallocate(big, 49);
            assertEquals(big.address(), same.address(), "in place");
            MallocStats after = heap.stats().checkIdentity();
            long expected = 0;
            for (int i = 0; i < blocks.size(); i += 3) {
                expected += blocks.get(i).byteSize();
            }
            assertEquals(expected + 49, after.requestedBytes());
            assertEquals(peak, after.requestedBytesPeak(), "the peak stays");
            assertEquals(after.allocatedBytes() - after.internalFragmentationBytes(),
                    after.requestedBytes() - after.systemLiveBytes());
            assertEquals(after.heldBytes() - after.requestedBytes() - after.internalFragmentationBytes(),
                    after.externalFragmentationBytes());
            assertTrue(after.utilisation() > 0 && after.utilisation() < 1, "utilisation " + after.utilisation());
            assertTrue(after.fragmentationPeakToPeak() >= after.fragmentationAtPeakLive() - 1e-9);
            assertTrue(after.fragmentationAtPeakLive() > 0, "pools have headers and free space");
            assertEquals(after.arenasCurrent(), after.arenaUtilisationHistogram().stream().mapToInt(i -> i).sum());
            assertEquals(10, after.arenaUtilisationHistogram().size());

            assertTrue(after.requestedBytesTracked());
            Map<String, Object> json = Json.object(Json.parse(after.toJson()));
            Map<String, Object> usage = Json.object(json.get("usage"));
            assertEquals(after.requestedBytes(), usage.get("requestedBytes"));
            assertEquals(after.requestedBytesPeak(), usage.get("requestedBytesPeak"));
            assertEquals(after.sizeClasses().get(3).requestedBytes(),
                    Json.object(Json.array(json.get("sizeClasses")).get(3)).get("requestedBytes"));
            assertEquals(true, usage.get("requestedBytesTracked"));
        }
    }

    @org.junit.jupiter.api.Test
    void untrackedStatisticsCountWholeBlocksAndSaySo() {
        try (PyMalloc heap = PyMalloc.ofConfined()) {
            heap.allocate(17);
            MallocStats stats = heap.stats();
            assertEquals(false, stats.requestedBytesTracked());
            assertEquals(32, stats.sizeClasses().get(1).requestedBytes(), "the whole 32-byte block");
            assertEquals(0, stats.internalFragmentationBytes());
            assertEquals(0, stats.requestedBytesPeak());
            assertTrue(Double.isNaN(stats.fragmentationPeakToPeak()));
            assertTrue(Double.isNaN(stats.utilisation()));
        }
    }
}
