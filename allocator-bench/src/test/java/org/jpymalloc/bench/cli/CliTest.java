package org.jpymalloc.bench.cli;

import org.jpymalloc.Geometry;
import org.jpymalloc.bench.replay.AllocatorSpec;
import org.jpymalloc.bench.replay.Replayer;
import org.jpymalloc.bench.trace.Trace;
import org.jpymalloc.bench.trace.TraceFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.jpymalloc.Json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command-line contract other scripts rely on, including its errors. */
class CliTest {

    static final String TRACE = "traces/cpython-3.9-workload.jpmt.gz";

    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Cli.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void statsPrintsExactlyTheDebugMallocStatsTextOfTheEndState() {
        Trace trace = TraceFiles.read(Path.of(TRACE));
        for (String geometry : new String[] {"cpython-3.7", "cpython-3.9", "cpython-3.10", "cpython-3.13"}) {
            Run run = run("stats", "--geometry", geometry, TRACE);
            assertEquals(0, run.exit(), run.err());
            Geometry g = GeometryNames.parse(geometry);
            String expected = Replayer.statsAfter(trace, new AllocatorSpec("jpymalloc", g, false, -1), trace.length())
                    .toDebugMallocStats();
            assertEquals(expected, run.out(), geometry);
            assertEquals("", run.err());
        }
    }

    @Test
    void statsAtAnEventAndAsJson() {
        Run at = run("stats", "--at", "1000", TRACE);
        assertEquals(0, at.exit(), at.err());
        assertTrue(at.out().startsWith("Small block threshold = 512, in 32 size classes."));
        assertTrue(at.out().contains("# arenas allocated current         =                    1\n"), at.out());
        Run json = run("stats", "--json", "--geometry=cpython-3.10", TRACE);
        assertEquals(0, json.exit(), json.err());
        assertEquals(1_048_576L, Json.object(Json.object(Json.parse(json.out())).get("geometry")).get("arenaSize"));
        assertTrue(json.out().startsWith("{\"schema\":\"jpymalloc.stats/1\",\"geometry\":{\"arenaSize\":1048576,"),
                json.out());
    }

    @Test
    void compareInProcessPrintsTheTableAndJson() {
        Run table = run("compare", "--in-process", "--allocators=jpymalloc-3.9,glibc", "--runs=1", "--warmups=0",
                "--samples=20", "--show-stats", TRACE);
        assertEquals(0, table.exit(), table.err());
        assertTrue(table.out().contains("1,081,424 events (567,096 malloc, 496,450 free, 17,878 realloc); noise: none"),
                table.out());
        assertTrue(table.out().lines().anyMatch(l -> l.startsWith("jpymalloc-3.9 ")), table.out());
        assertTrue(table.out().lines().anyMatch(l -> l.startsWith("glibc ") && l.contains("1.00x")), table.out());
        assertTrue(table.out().contains("sys._debugmallocstats() of jpymalloc-3.9 at the end of the trace:"));

        Run json = run("compare", "--in-process", "--allocators=jpymalloc-3.10,glibc,jpymalloc-3.9", "--runs=2",
                "--warmups=0", "--samples=10", "--json", TRACE);
        assertEquals(0, json.exit(), json.err());
        Map<String, Object> document = Json.object(Json.parse(json.out()));
        assertEquals("jpymalloc.compare/1", document.get("schema"));
        assertEquals(List.of(), document.get("skipped"));
        List<Object> results = Json.array(document.get("results"));
        assertEquals(List.of("jpymalloc-3.10", "glibc", "jpymalloc-3.9"),
                results.stream().map(r -> Json.object(r).get("allocator")).toList());
        for (Object item : results) {
            Map<String, Object> result = Json.object(item);
            assertEquals("jpymalloc.replay/1", result.get("schema"));
            assertEquals(1_081_424L, result.get("events"));
            assertEquals(567_096L, Json.object(result.get("kinds")).get("malloc"));
            assertEquals(2, Json.array(result.get("runNanos")).size());
            assertTrue((Double) result.get("medianNsPerEvent") > 0);
            Map<String, Object> series = Json.object(result.get("series"));
            int samples = Json.array(series.get("events")).size();
            assertEquals(samples, Json.array(series.get("mappedBytes")).size());
            double fragmentation = (Double) result.get("fragmentationTimeAveraged");
            assertTrue(fragmentation > 0 && fragmentation < 10, "Johnstone and Wilson's #1: " + fragmentation);
            Object stats = result.get("stats");
            if (result.get("allocator").equals("glibc")) {
                assertEquals(null, stats);
                assertEquals(null, series.get("poolsPerClass"), "pools are jpymalloc's");
            } else {
                assertEquals("jpymalloc.stats/1", Json.object(stats).get("schema"));
                List<Object> pools = Json.array(series.get("poolsPerClass"));
                assertEquals(samples, pools.size());
                assertEquals(32, Json.array(pools.getLast()).size(), "a count per size class at each sample");
                assertEquals(samples, Json.array(series.get("arenas")).size());
            }
        }
    }

    @Test
    void compareForksAChildJvmPerAllocator() {
        Run run = run("compare", "--allocators=jpymalloc-3.9", "--runs=1", "--warmups=0", "--samples=5",
                "--no-progress", TRACE);
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().startsWith("trace " + TRACE + ": 1,081,424 events"), "the original trace name: " + run.out());
        assertTrue(run.out().lines().anyMatch(l -> l.startsWith("jpymalloc-3.9 ")), run.out());
    }

    @Test
    void compareTellsEachChildHowToHoldTheBlocks() {
        Run run = run("compare", "--allocators=jpymalloc-3.9", "--calls=addresses", "--runs=1", "--warmups=0",
                "--samples=5", "--no-progress", "--json", TRACE);
        assertEquals(0, run.exit(), run.err());
        Map<String, Object> result = Json.object(Json.array(Json.object(Json.parse(run.out())).get("results")).getFirst());
        assertTrue(((String) result.get("calling")).contains("allocateAddress"), run.out());
    }

    @Test
    void plotWritesTheChartsMapsAndPage(@TempDir Path dir) throws IOException {
        Run run = run("plot", "--in-process", "--allocators=jpymalloc-3.9,glibc", "--runs=1", "--warmups=0",
                "--samples=30", "--out", dir.toString(), TRACE);
        assertEquals(0, run.exit(), run.err());
        for (String file : new String[] {"index.html", "mapped-vs-live.png", "utilisation.png", "fragmentation.png",
                "pools-jpymalloc-3.9.png", "pools-over-time-jpymalloc-3.9.png", "occupancy-jpymalloc-3.9-end.png",
                "occupancy-jpymalloc-3.9-peak.png"}) {
            Path path = dir.resolve(file);
            assertTrue(Files.size(path) > 1000, file);
        }
        String html = Files.readString(dir.resolve("index.html"));
        assertTrue(html.contains("<img src=\"occupancy-jpymalloc-3.9-peak.png\""), html);
        assertTrue(html.contains("Small block threshold = 512"));
    }

    @Test
    void convertWritesTheBinaryFormat(@TempDir Path dir) {
        Path out = dir.resolve("copy.jpmt");
        Run run = run("convert", TRACE, out.toString());
        assertEquals(0, run.exit(), run.err());
        assertEquals(TraceFiles.read(Path.of(TRACE)).length(), TraceFiles.read(out).length());
    }

    @Test
    void badInputGetsAClearErrorAndExitStatus(@TempDir Path dir) throws IOException {
        Run unknown = run("compare", "--allocators=jpymalloc,ptmalloc", TRACE);
        assertEquals(2, unknown.exit());
        assertTrue(unknown.err().startsWith("unknown allocator 'ptmalloc'; known: jpymalloc, jpymalloc-3.7,"),
                unknown.err());

        Run missing = run("stats", dir.resolve("nope.mtrace").toString());
        assertEquals(2, missing.exit());
        assertEquals("error: trace file not found: " + dir.resolve("nope.mtrace") + "\n", missing.err());

        Path malformed = dir.resolve("bad.mtrace");
        Files.writeString(malformed, "= Start\n@ a + 0x10 0x20\n@ a - 0x10\n@ a frees 0x10\n");
        Run bad = run("stats", malformed.toString());
        assertEquals(2, bad.exit());
        assertTrue(bad.err().startsWith("error: " + malformed + ", line 4: not an mtrace event"), bad.err());

        Run geometry = run("stats", "--geometry", "cpython-2.7", TRACE);
        assertEquals(2, geometry.exit());
        assertTrue(geometry.err().contains("unknown geometry 'cpython-2.7'; use one of [cpython-3.7, cpython-3.9, "
                + "cpython-3.10, cpython-3.11, cpython-3.12, cpython-3.13]"), geometry.err());

        Run at = run("stats", "--at", "-1", TRACE);
        assertEquals(2, at.exit());
        assertTrue(at.err().startsWith("--at -1 is outside the trace's 0..1081424 events"), at.err());

        Run calls = run("compare", "--calls=pointers", TRACE);
        assertEquals(2, calls.exit());
        assertTrue(calls.err().contains("unknown calls 'pointers'; known: segments, addresses"), calls.err());

        Run runs = run("replay", "--runs=0", TRACE);
        assertEquals(2, runs.exit());
        assertEquals("error: runs must be >= 1, got 0\n", runs.err());

        Run noCommand = run();
        assertEquals(2, noCommand.exit());
        assertTrue(noCommand.err().startsWith("Usage: jpymalloc-bench"), noCommand.err());
    }

    /** Shapes at the limits of Geometry's bookkeeping replay the whole trace; one past a limit is refused. */
    @Test
    void customGeometriesAtEveryLimitReplayAndOnePastALimitIsRefused() {
        for (String geometry : new String[] {"arena=4K,pool=2K,alignment=8,threshold=992",
                "arena=256K,pool=4K,alignment=8,threshold=1024", "arena=256K,pool=8K,alignment=256,threshold=1024",
                "arena=1M,pool=512K,alignment=32,threshold=128"}) {
            Run run = run("stats", "--geometry", geometry, TRACE);
            assertEquals(0, run.exit(), geometry + ": " + run.err());
            assertTrue(run.out().contains("Total"), run.out());
        }
        Run refused = run("stats", "--geometry", "arena=256K,pool=4K,alignment=8,threshold=2016", TRACE);
        assertEquals(2, refused.exit(), refused.err());
        assertTrue(refused.err().contains("smallRequestThreshold must be at most 1024"), refused.err());
    }

    @Test
    void everyCommandHasHelp() {
        for (String command : new String[] {"stats", "replay", "compare", "sweep", "plot", "convert"}) {
            Run help = run(command, "--help");
            assertEquals(0, help.exit(), command);
            assertTrue(help.out().startsWith("Usage: jpymalloc-bench " + command), help.out());
        }
    }
}
