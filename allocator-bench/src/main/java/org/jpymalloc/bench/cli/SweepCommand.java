package org.jpymalloc.bench.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;

import org.jpymalloc.ArenaPolicy;
import org.jpymalloc.Geometry;
import org.jpymalloc.bench.replay.AllocatorSpec;
import org.jpymalloc.bench.replay.ForkedReplay;
import org.jpymalloc.bench.replay.ReplayResult;
import org.jpymalloc.bench.replay.ResultFormat;
import org.jpymalloc.bench.replay.SweepPoint;
import org.jpymalloc.bench.report.SweepReport;
import org.jpymalloc.bench.trace.Trace;
import org.jpymalloc.bench.trace.TraceFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code sweep}: every geometry x arena policy on one trace, each in its own JVM. */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = {"Replays TRACE through jpymalloc in every combination of the geometries and arena policies "
                + "given, each in a JVM of its own as compare does, and prints one row per combination: peak and final "
                + "mapped bytes, peak use, time per event, page faults, time-averaged fragmentation, and whether it is "
                + "on the Pareto front of time and memory."})
class SweepCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "TRACE",
            description = "glibc mtrace output or a jpymalloc binary trace, optionally gzip-compressed")
    Path trace;

    @Mixin
    RunArguments run;

    @Option(names = "--geometries", paramLabel = "LIST", defaultValue = "cpython-3.9",
            description = "comma-separated geometries as compare --geometry takes them (a custom one as "
                    + "arena=SIZE;pool=SIZE;alignment=N;threshold=N, with semicolons) (default: ${DEFAULT-VALUE})")
    String geometries;

    @Option(names = "--policies", paramLabel = "LIST|all", defaultValue = "all",
            description = "comma-separated arena policies, each optionally with :spares=N, or all: the built-in "
                    + "policies (cpython, cpython-3.8, address, mru, oldest, emptiest). Without :spares=, a row keeps "
                    + "--spare-arenas emptied arenas, else none: CPython's retention (default: ${DEFAULT-VALUE})")
    String policies;

    @Option(names = "--forks", paramLabel = "N", defaultValue = "3",
            description = "JVMs per combination; time is the median over them, since a whole JVM can land on a "
                    + "slower vCPU (default: ${DEFAULT-VALUE})")
    int forks;

    @Option(names = "--json", description = "print JSON (schema jpymalloc.sweep/1) instead of the table")
    boolean json;

    @Option(names = "--report", paramLabel = "DIR",
            description = "write the plots (time against memory with the Pareto front, mapped bytes over the trace) "
                    + "and an HTML page into DIR")
    Path report;

    @Option(names = "--no-progress", negatable = true, description = "no progress bar (default: a bar when on a terminal)")
    boolean noProgress;

    /** A combination to run: the geometry's and the policy's names, and the allocator they make. */
    private record Combination(String geometry, String policy, AllocatorSpec allocator) {
    }

    @Override
    public Integer call() {
        List<Combination> combinations = combinations();
        Trace loaded = TraceFiles.read(trace);
        boolean progress = !noProgress && System.console() != null;
        List<SweepPoint> points = new ArrayList<>();
        Path binary = ForkedReplay.binaryCopy(loaded);
        try {
            // Round by round, every combination once per round: a slow phase of the host then falls on
            // every combination alike, as alternating JMH runs do.
            List<List<ReplayResult>> replays = new ArrayList<>();
            combinations.forEach(c -> replays.add(new ArrayList<>()));
            for (int round = 0; round < forks; round++) {
                for (int i = 0; i < combinations.size(); i++) {
                    Combination c = combinations.get(i);
                    String geometryName = GeometryNames.describe(c.allocator().geometry());
                    replays.get(i).add(new ForkedReplay(binary, run.timingArguments(geometryName), progress)
                            .run(c.allocator()).withTrace(loaded.source())
                            .withAllocator(SweepPoint.label(c.geometry(), c.policy())));
                }
            }
            for (int i = 0; i < combinations.size(); i++) {
                points.add(new SweepPoint(combinations.get(i).geometry(), combinations.get(i).policy(), replays.get(i)));
            }
        } finally {
            binary.toFile().delete();
        }
        PrintWriter out = spec.commandLine().getOut();
        String table = ResultFormat.sweepTable(points);
        out.println(json ? ResultFormat.sweepJson(points) : table);
        out.flush();
        if (report != null) {
            List<Path> written = SweepReport.write(report, points, table);
            spec.commandLine().getErr().println("report: " + written.getFirst().toAbsolutePath() + " ("
                    + written.size() + " files)");
        }
        return 0;
    }

    /** Every geometry x policy, validated before anything runs. */
    private List<Combination> combinations() {
        if (forks < 1) {
            throw new ParameterException(spec.commandLine(), "--forks must be at least 1, got " + forks);
        }
        List<String> geometryNames = items(geometries, "--geometries");
        List<String> policyNames = policies.strip().equals("all")
                ? ArenaPolicy.builtIn().stream().map(ArenaPolicy::name).toList() : items(policies, "--policies");
        int defaultSpares = run.spareArenas != null ? run.spareArenas : 0;
        List<Combination> combinations = new ArrayList<>();
        try {
            for (String geometryName : geometryNames) {
                Geometry geometry = GeometryNames.parse(geometryName.replace(';', ','));
                for (String policy : policyNames) {
                    String name = "jpymalloc:policy=" + policy + (policy.contains(":spares=") ? "" : ":spares=" + defaultSpares);
                    combinations.add(new Combination(geometryName, policy, AllocatorNames.parse(name, geometry)));
                }
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        return combinations;
    }

    private List<String> items(String list, String option) {
        List<String> items = new ArrayList<>();
        for (String item : list.split(",", -1)) {
            if (item.isBlank()) {
                throw new ParameterException(spec.commandLine(), option + " has an empty item in '" + list + "'");
            }
            items.add(item.strip());
        }
        if (new LinkedHashSet<>(items).size() != items.size()) {
            throw new ParameterException(spec.commandLine(), option + " names an item twice in '" + list + "'");
        }
        return items;
    }
}
