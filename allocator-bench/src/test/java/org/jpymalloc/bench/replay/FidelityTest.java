package org.jpymalloc.bench.replay;

import org.jpymalloc.Geometry;
import org.jpymalloc.MallocStats;
import org.jpymalloc.bench.trace.Trace;
import org.jpymalloc.bench.trace.TraceFiles;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bundled trace replayed in CPython 3.9's geometry against what CPython 3.9.18 itself reported for the
 * same program at the same point (traces/cpython-3.9-workload.debugmallocstats.txt, recorded by
 * scripts/record-cpython-trace.sh). Not equal, since the trace also holds the raw-domain mallocs that
 * CPython sends past pymalloc (docs/fidelity.md explains each difference), but close: the bounds below
 * are what docs/fidelity.md states.
 */
class FidelityTest {

    private static final Pattern ROW = Pattern.compile("(?m)^\\s*(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)$");

    @Test
    void poolsAndArenasAreCloseToCPythons() throws IOException {
        String cpython = Files.readString(Path.of("traces/cpython-3.9-workload.debugmallocstats.txt"));
        Trace trace = TraceFiles.read(ReplayTest.BUNDLED);
        MallocStats ours = Replayer.statsAfter(trace, new AllocatorSpec("jpymalloc", Geometry.CPYTHON_3_9, false, -1),
                trace.length());
        long cpythonPools = 0;
        long cpythonBlocks = 0;
        Matcher row = ROW.matcher(cpython.substring(0, cpython.indexOf("# arenas allocated total")));
        while (row.find()) {
            int c = Integer.parseInt(row.group(1));
            long pools = Long.parseLong(row.group(3));
            long blocks = Long.parseLong(row.group(4));
            MallocStats.SizeClassStats mine = ours.sizeClasses().get(c);
            assertTrue(Math.abs(mine.pools() - pools) <= Math.max(2, pools / 10),
                    "class " + c + ": " + mine.pools() + " pools vs CPython's " + pools);
            cpythonPools += pools;
            cpythonBlocks += blocks;
        }
        assertTrue(Math.abs(ours.poolsInUse() - cpythonPools) <= cpythonPools / 100,
                ours.poolsInUse() + " pools vs " + cpythonPools);
        assertTrue(Math.abs(ours.blocksInUse() - cpythonBlocks) <= cpythonBlocks / 100,
                ours.blocksInUse() + " blocks vs " + cpythonBlocks);
        assertTrue(Math.abs(ours.arenasCurrent() - value(cpython, "# arenas allocated current")) <= 2);
        assertTrue(Math.abs(ours.arenasHighwater() - value(cpython, "# arenas highwater mark")) <= 2);
        assertTrue(Math.abs(ours.arenasAllocatedTotal() - value(cpython, "# arenas allocated total")) <= 4);
    }

    private static long value(String text, String label) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(label) + "\\s*=\\s*([\\d,]+)$").matcher(text);
        assertTrue(m.find(), label);
        return Long.parseLong(m.group(1).replace(",", ""));
    }

    /**
     * The 3.12 trace replayed in CPython 3.12's geometry prints the "arena map counts" section CPython 3.12.1
     * printed for the same program: the same radix-tree nodes for the arenas this replay mapped. The nodes
     * follow where the arenas are: a bottom node covers 256 MiB of addresses, and when {@code mmap} puts
     * this replay's 20 MiB of arenas across such a boundary (address-space randomisation: a few runs in a
     * hundred) it takes one bottom node more, as CPython would there; the section must then say so, each
     * line following from the node counts.
     */
    @Test
    void theArenaMapCountsAreCPython312s() throws IOException {
        String cpython = Files.readString(Path.of("traces/cpython-3.12-workload.debugmallocstats.txt"));
        Trace trace = TraceFiles.read(Path.of("traces/cpython-3.12-workload.jpmt.gz"));
        MallocStats stats = Replayer.statsAfter(trace, new AllocatorSpec("jpymalloc", Geometry.CPYTHON_3_12, false, -1),
                trace.length());
        String ours = stats.toDebugMallocStats();
        long cpythonBottom = value(cpython, "# arena map bot nodes");
        assertEquals(value(cpython, "# arena map mid nodes"), stats.arenaMapMidNodes());
        if (stats.arenaMapBottomNodes() == cpythonBottom) {
            assertEquals(arenaMapSection(cpython), arenaMapSection(ours));
            return;
        }
        assertEquals(cpythonBottom + 1, stats.arenaMapBottomNodes(), "arenas across one 256 MiB boundary at most");
        long root = value(cpython, "# bytes lost to arena map root");
        long mid = value(cpython, "# bytes lost to arena map mid");
        long bottom = value(cpython, "# bytes lost to arena map bot") / cpythonBottom * stats.arenaMapBottomNodes();
        assertEquals(stats.arenaMapBottomNodes(), value(ours, "# arena map bot nodes"));
        assertEquals(root, value(ours, "# bytes lost to arena map root"));
        assertEquals(mid, value(ours, "# bytes lost to arena map mid"));
        assertEquals(bottom, value(ours, "# bytes lost to arena map bot"));
        assertEquals(root + mid + bottom, value(arenaMapSection(ours), "Total"));
    }

    private static String arenaMapSection(String text) {
        int start = text.indexOf("arena map counts");
        assertTrue(start >= 0, text);
        int total = text.indexOf("Total", start);
        return text.substring(start, text.indexOf('\n', total));
    }

    @Test
    void theBundledTraceIsSmall() throws IOException {
        assertTrue(Files.size(ReplayTest.BUNDLED) < 3 << 20, "a few MB at most");
        assertEquals(true, Files.exists(ReplayTest.BUNDLED));
    }
}
