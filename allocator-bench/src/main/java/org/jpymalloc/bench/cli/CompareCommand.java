package org.jpymalloc.bench.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

import org.jpymalloc.bench.replay.AllocatorSpec;
import org.jpymalloc.bench.replay.ForkedReplay;
import org.jpymalloc.bench.replay.ReplayResult;
import org.jpymalloc.bench.replay.Replayer;
import org.jpymalloc.bench.replay.ResultFormat;
import org.jpymalloc.bench.report.HtmlReport;
import org.jpymalloc.bench.trace.Trace;
import org.jpymalloc.bench.trace.TraceFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code compare}: several allocators and geometries on one trace, side by side. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = {"Replays TRACE through several allocators, each in a JVM of its own (jemalloc with "
                + "LD_PRELOAD), and prints them side by side: time per event, page faults, peak and final mapped "
                + "bytes. Allocators that are not installed are skipped with the reason."})
class CompareCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    TraceArguments arguments;

    @Mixin
    RunArguments run;

    @Option(names = "--allocators", paramLabel = "LIST", split = ",",
            defaultValue = "jpymalloc-3.9,jpymalloc-3.10,glibc,mimalloc",
            description = "comma-separated: jpymalloc (in --geometry), jpymalloc-3.7, jpymalloc-3.9, jpymalloc-3.10 to -3.13, "
                    + "jpymalloc-shared, jpymalloc-threadheap (both in --geometry), glibc, mimalloc, tcmalloc, jemalloc (C "
                    + "allocators through critical downcalls; glibc-plain and the like through plain downcalls, what a "
                    + "naive binding pays); a jpymalloc name "
                    + "with :spares=N keeps at most N emptied arenas (0: CPython's policy), with :policy=NAME uses that "
                    + "arena policy (see sweep) (default: ${DEFAULT-VALUE})")
    List<String> allocators;

    @Option(names = "--baseline", paramLabel = "NAME", defaultValue = "glibc",
            description = "the allocator the ratios are taken against (default: ${DEFAULT-VALUE})")
    String baseline;

    @Option(names = "--json", description = "print JSON (schema jpymalloc.compare/1) instead of the table")
    boolean json;

    @Option(names = "--show-stats", description = "also print each jpymalloc's sys._debugmallocstats() text at the end")
    boolean showStats;

    @Option(names = "--report", paramLabel = "DIR", description = "write the plots and an HTML page into DIR")
    Path report;

    @Option(names = "--in-process", description = "replay every allocator in this JVM instead of one JVM each "
            + "(quicker; jemalloc then needs LD_PRELOAD, and allocators share heap and JIT state)")
    boolean inProcess;

    @Option(names = "--no-progress", negatable = true, description = "no progress bar (default: a bar when on a terminal)")
    boolean noProgress;

    @Override
    public Integer call() {
        List<AllocatorSpec> specs = parseAllocators();
        var err = spec.commandLine().getErr();
        boolean progress = !noProgress && System.console() != null;
        Trace trace = TraceFiles.read(arguments.trace);
        List<ReplayResult> results = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        Path binary = inProcess ? null : ForkedReplay.binaryCopy(trace);
        try {
            for (AllocatorSpec allocator : specs) {
                Optional<String> reason = Replayer.unavailable(allocator, !inProcess);
                if (reason.isPresent()) {
                    skipped.add(reason.get());
                    err.println("skipping " + reason.get());
                    continue;
                }
                results.add(inProcess ? replayHere(trace, allocator, err, progress)
                        : new ForkedReplay(binary, run.asArguments(GeometryNames.describe(arguments.geometry)), progress)
                                .run(allocator).withTrace(trace.source()));
            }
        } finally {
            if (binary != null) {
                binary.toFile().delete();
            }
        }
        print(results, skipped);
        if (report != null) {
            List<Path> written = HtmlReport.write(report, results, ResultFormat.table(results, skipped, baseline));
            err.println("report: " + written.getFirst().toAbsolutePath() + " (" + written.size() + " files)");
        }
        return 0;
    }

    private List<AllocatorSpec> parseAllocators() {
        try {
            List<AllocatorSpec> specs = AllocatorNames.parseList(String.join(",", allocators), arguments.geometry);
            if (run.spareArenas != null) {
                specs = specs.stream().map(s -> s.withSpareArenas(run.spareArenas)).toList();
            }
            return specs;
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private ReplayResult replayHere(Trace trace, AllocatorSpec allocator, PrintWriter err, boolean progress) {
        ProgressBar bar = new ProgressBar(allocator.label(), err, progress);
        try {
            return new Replayer(trace, run.options(bar)).replay(allocator);
        } finally {
            bar.finish();
        }
    }

    private void print(List<ReplayResult> results, List<String> skipped) {
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(ResultFormat.json(results, skipped));
        } else {
            out.print(ResultFormat.table(results, skipped, baseline));
            if (showStats) {
                for (ReplayResult result : results) {
                    if (result.debugMallocStats() != null) {
                        out.println();
                        out.println("sys._debugmallocstats() of " + result.allocator() + " at the end of the trace:");
                        out.println();
                        out.print(result.debugMallocStats());
                    }
                }
            }
        }
        out.flush();
    }
}
