package org.jpymalloc.bench.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import org.jpymalloc.bench.replay.AllocatorSpec;
import org.jpymalloc.bench.replay.ForkedReplay;
import org.jpymalloc.bench.replay.ReplayResult;
import org.jpymalloc.bench.replay.Replayer;
import org.jpymalloc.bench.replay.ResultFormat;
import org.jpymalloc.bench.trace.Trace;
import org.jpymalloc.bench.trace.TraceFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code replay}: one allocator, in this JVM. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Replays TRACE through one allocator in this JVM: time per event, peak and final mapped "
                + "bytes, and jpymalloc's statistics at the end.",
                "For jemalloc start the JVM with LD_PRELOAD=.../libjemalloc.so.2 (or use compare, which does)."})
final class ReplayCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    TraceArguments arguments;

    @Mixin
    RunArguments run;

    @Option(names = "--allocator", paramLabel = "NAME", defaultValue = "jpymalloc",
            description = "jpymalloc, jpymalloc-3.7, jpymalloc-3.9, jpymalloc-3.10 to -3.13, jpymalloc-shared, "
                    + "jpymalloc-threadheap (a jpymalloc name may end in :spares=N and :policy=NAME), glibc, mimalloc, "
                    + "tcmalloc or jemalloc, "
                    + "through critical downcalls (glibc-plain and the like: plain downcalls) (default: ${DEFAULT-VALUE})")
    String allocator;

    @Option(names = "--json", description = "print the result as JSON (schema jpymalloc.replay/1)")
    boolean json;

    @Option(names = "--progress", description = "draw a progress bar on standard error")
    boolean progress;

    @Option(names = "--result-file", hidden = true, description = "write the serialized result here (compare's forks)")
    Path resultFile;

    @Override
    public Integer call() {
        AllocatorSpec allocatorSpec;
        try {
            allocatorSpec = AllocatorNames.parse(allocator, arguments.geometry);
            if (run.spareArenas != null) {
                allocatorSpec = allocatorSpec.withSpareArenas(run.spareArenas);
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Trace trace = TraceFiles.read(arguments.trace);
        ProgressBar bar = new ProgressBar(allocatorSpec.label(), spec.commandLine().getErr(), progress);
        ReplayResult result;
        try {
            result = new Replayer(trace, run.options(bar)).replay(allocatorSpec);
        } finally {
            bar.finish();
        }
        if (resultFile != null) {
            ForkedReplay.write(result, resultFile);
        }
        var out = spec.commandLine().getOut();
        if (json) {
            out.println(ResultFormat.json(result));
        } else {
            out.print(ResultFormat.table(List.of(result), List.of(), ""));
            if (result.debugMallocStats() != null) {
                out.println();
                out.print(result.debugMallocStats());
            }
        }
        out.flush();
        return 0;
    }
}
