package org.jpymalloc.bench.cli;

import org.jpymalloc.Geometry;
import org.jpymalloc.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.jpymalloc.bench.cli.CliTest.TRACE;
import static org.jpymalloc.bench.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code sweep}: its rows, its JSON, its report, and its refusals. */
class SweepCommandTest {

    private static final String[] QUICK = {"--runs=1", "--warmups=0", "--samples=50", "--no-progress"};
    private static final String ONE_FORK = "--forks=1";

    private static CliTest.Run sweep(String... args) {
        String[] all = new String[QUICK.length + args.length + 1];
        all[0] = "sweep";
        System.arraycopy(QUICK, 0, all, 1, QUICK.length);
        System.arraycopy(args, 0, all, 1 + QUICK.length, args.length);
        return run(all);
    }

    /**
     * Every geometry x policy, each in a JVM of its own; the cpython rows map exactly what compare maps
     * with :spares=0 (within an arena where the arena's placement decides, see below), and the report draws
     * the front.
     */
    @Test
    void sweepsEveryCombinationAndItsCpythonRowsAreCompares(@TempDir Path dir) throws Exception {
        Run result = new Run(sweep(ONE_FORK, "--geometries", "cpython-3.9,cpython-3.12", "--policies", "cpython,address:spares=2",
                "--json", "--report", dir.toString(), TRACE));
        assertEquals(0, result.exit(), result.err());
        Map<String, Object> document = Json.object(Json.parse(result.out()));
        assertEquals("jpymalloc.sweep/1", document.get("schema"));
        assertEquals(1_081_424L, document.get("events"));
        List<Map<String, Object>> rows = Json.array(document.get("results")).stream().map(Json::object).toList();
        assertEquals(List.of("cpython-3.9/cpython", "cpython-3.9/address:spares=2", "cpython-3.12/cpython",
                "cpython-3.12/address:spares=2"), rows.stream().map(r -> r.get("geometry") + "/" + r.get("policy")).toList());
        assertTrue(rows.stream().anyMatch(r -> r.get("paretoFront").equals(true)), "a front is never empty");
        for (Map<String, Object> row : rows) {
            assertTrue((Long) row.get("peakMappedBytes") >= (Long) row.get("finalMappedBytes"), row.toString());
            assertTrue((Double) row.get("medianNsPerEvent") > 0, row.toString());
            assertEquals(List.of(row.get("medianNsPerEvent")), Json.array(row.get("forkMedianNsPerEvent")));
            assertEquals(List.of(row.get("peakMappedBytes")), Json.array(row.get("forkPeakMappedBytes")));
            assertTrue((Long) row.get("arenasAllocatedTotal") >= 1, row.toString());
            double use = (Double) row.get("peakUtilisation");
            assertEquals((Long) document.get("peakLiveBytes") / (double) (Long) row.get("peakMappedBytes"), use, 1e-4);
            Map<String, Object> series = Json.object(row.get("mappedBytesSeries"));
            assertEquals(Json.array(series.get("events")).size(), Json.array(series.get("mappedBytes")).size());
        }
        for (String geometry : new String[] {"cpython-3.9", "cpython-3.12"}) {
            CliTest.Run compare = run("compare", "--in-process", "--allocators=jpymalloc:spares=0", "--geometry",
                    geometry, "--runs=1", "--warmups=0", "--samples=50", "--json", TRACE);
            assertEquals(0, compare.exit(), compare.err());
            Map<String, Object> ours = Json.object(Json.array(Json.object(Json.parse(compare.out())).get("results"))
                    .getFirst());
            Map<String, Object> row = rows.stream().filter(r -> r.get("geometry").equals(geometry)
                    && r.get("policy").equals("cpython")).findFirst().orElseThrow();
            if (geometry.equals("cpython-3.9")) {
                assertEquals(ours.get("peakMappedBytes"), row.get("peakMappedBytes"), geometry);
                assertEquals(ours.get("finalMappedBytes"), row.get("finalMappedBytes"), geometry);
            } else {
                // 16 KiB pools in arenas at page-aligned mmap addresses: an arena whose base is not
                // pool-aligned loses a pool, as in CPython, and ASLR decides that per process.
                for (String key : new String[] {"peakMappedBytes", "finalMappedBytes"}) {
                    long difference = Math.abs((Long) ours.get(key) - (Long) row.get(key));
                    assertTrue(difference <= Geometry.CPYTHON_3_12.arenaSize(), key + " differs by " + difference);
                }
            }
        }
        for (String file : new String[] {"index.html", "pareto.png", "mapped-vs-live.png", "fragmentation.png"}) {
            assertTrue(Files.size(dir.resolve(file)) > 1000, file);
        }
        assertTrue(Files.readString(dir.resolve("index.html")).contains("cpython-3.12   address:spares=2"));
    }

    @Test
    void theTableMarksTheFront() {
        CliTest.Run table = sweep("--forks=2", "--policies", "cpython,emptiest", TRACE);
        assertEquals(0, table.exit(), table.err());
        assertTrue(table.out().lines().anyMatch(l -> l.startsWith("cpython-3.9    cpython ")), table.out());
        assertTrue(table.out().lines().anyMatch(l -> l.startsWith("cpython-3.9    emptiest ")), table.out());
        assertTrue(table.out().lines().anyMatch(l -> l.startsWith("cpython-3.9") && l.endsWith("*")), table.out());
        assertTrue(table.out().contains("the median over 2 JVM(s) per combination"), table.out());
    }

    @Test
    void badInputIsRefusedWithExitStatus2AndTheValidValues(@TempDir Path dir) {
        assertRefused("unknown arena policy 'lifo'; valid: cpython, cpython-3.8, address, mru, oldest, emptiest",
                "--policies", "cpython,lifo", TRACE);
        assertRefused("unknown geometry 'cpython-2.7'; use one of [cpython-3.7, cpython-3.9, cpython-3.10, "
                + "cpython-3.11, cpython-3.12, cpython-3.13]", "--geometries", "cpython-2.7", TRACE);
        assertRefused("--policies has an empty item in ''", "--policies", "", TRACE);
        assertRefused("--policies has an empty item in 'cpython,,address'", "--policies", "cpython,,address", TRACE);
        assertRefused("--geometries has an empty item in 'cpython-3.9,'", "--geometries", "cpython-3.9,", TRACE);
        assertRefused("--policies names an item twice in 'mru,mru'", "--policies", "mru,mru", TRACE);
        assertRefused("bad spare arena count 'x'", "--policies", "cpython:spares=x", TRACE);
        assertRefused("--forks must be at least 1, got 0", "--forks=0", TRACE);
        CliTest.Run missing = sweep(ONE_FORK, dir.resolve("nope.mtrace").toString());
        assertEquals(2, missing.exit(), missing.err());
        assertEquals("error: trace file not found: " + dir.resolve("nope.mtrace") + "\n", missing.err());
    }

    private static void assertRefused(String message, String... args) {
        CliTest.Run refused = sweep(args);
        assertEquals(2, refused.exit(), refused.err());
        assertTrue(refused.err().contains(message), refused.err());
    }

    private record Run(int exit, String out, String err) {
        Run(CliTest.Run run) {
            this(run.exit(), run.out(), run.err());
        }
    }
}
