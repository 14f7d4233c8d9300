package org.jpymalloc.bench.replay;

import org.jpymalloc.ArenaPolicy;
import org.jpymalloc.Geometry;
import org.jpymalloc.MallocStats;
import org.jpymalloc.bench.trace.Trace;
import org.jpymalloc.bench.trace.TraceFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The replay engine on the bundled real trace. */
class ReplayTest {

    static final Path BUNDLED = Path.of("traces/cpython-3.9-workload.jpmt.gz");
    static Trace trace;

    @BeforeAll
    static void load() {
        trace = TraceFiles.read(BUNDLED);
    }

    /**
     * What the trace says is live after {@code events}, per size class (the last entry: the system path),
     * worked out independently of the allocator with pymalloc's placement rules: a malloc goes to its
     * size's class (or the system path); a realloc of a pool block stays in place when the new size fits
     * and shrinks it by less than a quarter, and otherwise moves by its new size; a realloc of a system
     * block stays on the system path (CPython passes it to the system realloc).
     */
    static long[] liveBlocksPerClass(Trace trace, int events, Geometry g) {
        int system = g.sizeClassCount();
        int[] where = new int[trace.slotCount()];
        java.util.Arrays.fill(where, -1);
        for (int i = 0; i < events; i++) {
            int slot = trace.slot(i);
            long size = trace.size(i);
            int byClass = g.sizeClassIndex(size) < 0 ? system : g.sizeClassIndex(size);
            where[slot] = switch (trace.op(i)) {
                case Trace.MALLOC -> byClass;
                case Trace.FREE -> -1;
                default -> where[slot] == system ? system
                        : size <= g.blockSize(where[slot]) && 4 * size > 3 * g.blockSize(where[slot]) ? where[slot]
                        : byClass;
            };
        }
        long[] perClass = new long[system + 1];
        for (int place : where) {
            if (place >= 0) {
                perClass[place]++;
            }
        }
        return perClass;
    }

    @Test
    void jpymallocHoldsExactlyTheTracesLiveBlocksPerClass() {
        for (Geometry g : List.of(Geometry.CPYTHON_3_9, Geometry.CPYTHON_3_10, Geometry.CPYTHON_3_7)) {
            for (int events : new int[] {trace.length() / 3, trace.length()}) {
                MallocStats stats = Replayer.statsAfter(trace, new AllocatorSpec("jpymalloc", g, false, -1), events);
                long[] expected = liveBlocksPerClass(trace, events, g);
                long[] actual = new long[expected.length];
                stats.sizeClasses().forEach(c -> actual[c.index()] = c.blocksInUse());
                actual[g.sizeClassCount()] = stats.systemLiveBlocks();
                assertArrayEquals(expected, actual, g + " after " + events + " events");
                stats.checkIdentity();
            }
        }
    }

    @Test
    void aReplayMeasuresTimeMemoryAndSeries() {
        Trace prefix = trace.prefix(200_000);
        Replayer replayer = new Replayer(prefix, new Replayer.Options(0, 2, 50, null));
        ReplayResult jpymalloc = replayer.replay(new AllocatorSpec("jpymalloc-3.9", Geometry.CPYTHON_3_9, false, -1));
        ReplayResult glibc = replayer.replay(new AllocatorSpec("glibc", null, false, -1));
        for (ReplayResult r : List.of(jpymalloc, glibc)) {
            assertEquals(200_000, r.events());
            assertEquals(2, r.runNanos().length);
            assertTrue(r.medianNsPerEvent() > 0);
            assertTrue(r.peakLiveBytes() > 0 && r.peakLiveBytes() >= r.finalLiveBytes());
            assertTrue(r.series().size() >= 50 && r.series().size() <= 51, "samples: " + r.series().size());
            assertEquals(200_000, r.series().events()[r.series().size() - 1]);
        }
        assertEquals(jpymalloc.peakLiveBytes(), glibc.peakLiveBytes(), "live bytes come from the trace");
        assertTrue(jpymalloc.peakMappedBytes() >= jpymalloc.peakLiveBytes() / 2, "pools hold the live blocks");
        assertNotNull(jpymalloc.debugMallocStats());
        assertTrue(jpymalloc.debugMallocStats().startsWith("Small block threshold = 512, in 32 size classes."));
        assertTrue(jpymalloc.statsJson().contains("\"schema\":\"jpymalloc.stats/1\""));
        assertNotNull(jpymalloc.occupancyAtEnd());
        assertNotNull(jpymalloc.occupancyAtPeak());
        assertEquals(null, glibc.debugMallocStats());
        assertEquals(0, glibc.series().poolsPerClass().length);
    }

    /**
     * Confined, shared and a thread heap of a shared allocator replay into the same pools: one thread, one
     * heap, CPython's policies. The same live blocks per class, the same pools and arenas; the shared modes
     * hold more on the system path (rounded capacities, cached free blocks: SystemBlockCache).
     */
    @Test
    void everyModeHoldsTheSameBlocksInTheSameArenas() {
        Trace prefix = trace.prefix(150_000);
        Replayer replayer = new Replayer(prefix, new Replayer.Options(1, 1, 20, null));
        List<ReplayResult> results = new ArrayList<>();
        List<MallocStats> ends = new ArrayList<>();
        for (AllocatorSpec.Mode mode : AllocatorSpec.Mode.values()) {
            AllocatorSpec spec = new AllocatorSpec("jpymalloc-" + mode, "jpymalloc " + mode, Geometry.CPYTHON_3_9, mode,
                    0, ArenaPolicy.CPYTHON);
            results.add(replayer.replay(spec));
            MallocStats stats = Replayer.statsAfter(prefix, spec, prefix.length());
            assertArrayEquals(liveBlocksPerClass(prefix, prefix.length(), Geometry.CPYTHON_3_9), blocksPerClass(stats),
                    mode.toString());
            stats.checkIdentity();
            ends.add(stats);
        }
        MallocStats confined = ends.get(0);
        for (MallocStats stats : ends) {
            assertEquals(confined.toDebugMallocStats(), stats.toDebugMallocStats(), "the same pools and arenas");
            assertEquals(confined.osMappedBytes(), stats.osMappedBytes());
            assertEquals(confined.systemLiveBytes(), stats.systemLiveBytes());
            assertTrue(stats.systemHeldBytes() >= stats.systemLiveBytes());
        }
        for (ReplayResult r : results) {
            assertEquals(results.get(0).peakLiveBytes(), r.peakLiveBytes(), r.allocator());
            assertTrue(r.peakMappedBytes() >= results.get(0).peakMappedBytes(), r.allocator());
        }
    }

    private static long[] blocksPerClass(MallocStats stats) {
        long[] blocks = new long[Geometry.CPYTHON_3_9.sizeClassCount() + 1];
        stats.sizeClasses().forEach(c -> blocks[c.index()] = c.blocksInUse());
        blocks[Geometry.CPYTHON_3_9.sizeClassCount()] = stats.systemLiveBlocks();
        return blocks;
    }

    /**
     * Segments and addresses are two ways of holding the same blocks: every allocator ends each run with the
     * same live bytes and (jpymalloc) the same pools and arenas either way, and says how it was called.
     */
    @Test
    void segmentsAndAddressesReplayTheSameBlocks() {
        Trace prefix = trace.prefix(150_000);
        AllocatorSpec jpymalloc = new AllocatorSpec("jpymalloc-3.9", Geometry.CPYTHON_3_9, false, -1);
        AllocatorSpec glibc = new AllocatorSpec("glibc", null, false, -1);
        ReplayResult[] results = new ReplayResult[4];
        int i = 0;
        for (Calls calls : Calls.values()) {
            Replayer replayer = new Replayer(prefix, new Replayer.Options(1, 1, 20, null, calls));
            results[i++] = replayer.replay(jpymalloc);
            results[i++] = replayer.replay(glibc);
        }
        assertEquals(results[0].peakMappedBytes(), results[2].peakMappedBytes(), "jpymalloc's peak either way");
        assertEquals(results[0].finalMappedBytes(), results[2].finalMappedBytes());
        assertEquals(results[0].debugMallocStats(), results[2].debugMallocStats(), "the same pools and arenas");
        for (ReplayResult r : results) {
            assertEquals(results[0].peakLiveBytes(), r.peakLiveBytes(), r.allocator());
            assertEquals(results[0].finalLiveBytes(), r.finalLiveBytes(), r.allocator());
        }
        assertTrue(results[0].calling().contains("PyMalloc.allocate,"), results[0].calling());
        assertTrue(results[1].calling().contains("MemorySegment.ofAddress"), results[1].calling());
        assertTrue(results[2].calling().contains("allocateAddress"), results[2].calling());
        assertTrue(results[3].calling().contains("long[]"), results[3].calling());
        assertTrue(results[3].calling().startsWith("critical downcalls"), results[3].calling());
    }

    @Test
    void badSettingsAndNamesAreRejected() {
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> Calls.named("pointers"));
        assertTrue(bad.getMessage().contains("'pointers'") && bad.getMessage().contains("segments, addresses"),
                bad.getMessage());
        assertEquals(Calls.ADDRESSES, Calls.named(" Addresses "));
        assertThrows(IllegalArgumentException.class, () -> new Replayer.Options(0, 1, 10, null, null));
        assertThrows(IllegalArgumentException.class, () -> new Replayer.Options(0, 0, 10, null));
        assertThrows(IllegalArgumentException.class, () -> new Replayer.Options(-1, 1, 10, null));
        assertThrows(IllegalArgumentException.class, () -> new Replayer.Options(0, 1, 0, null));
    }
}
