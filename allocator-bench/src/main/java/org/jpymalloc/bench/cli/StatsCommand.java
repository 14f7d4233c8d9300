package org.jpymalloc.bench.cli;

import java.util.concurrent.Callable;

import org.jpymalloc.MallocStats;
import org.jpymalloc.bench.replay.AllocatorSpec;
import org.jpymalloc.bench.replay.Replayer;
import org.jpymalloc.bench.trace.Trace;
import org.jpymalloc.bench.trace.TraceFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code stats}: replays a trace through jpymalloc and prints CPython's statistics text of the state reached. */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = {"Replays TRACE through jpymalloc and prints exactly the sys._debugmallocstats() text "
                + "(pymalloc part) of the end state, or of the state after event N.",
                "Notes on the trace (noise repaired while decoding) go to standard error."})
final class StatsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    TraceArguments arguments;

    @Option(names = "--at", paramLabel = "N", description = "stop after the first N events (default: all)")
    Integer at;

    @Option(names = "--json", description = "print MallocStats.toJson() (schema jpymalloc.stats/1) instead")
    boolean json;

    @Override
    public Integer call() {
        Trace trace = TraceFiles.read(arguments.trace);
        int events = at == null ? trace.length() : at;
        if (events < 0 || events > trace.length()) {
            throw new ParameterException(spec.commandLine(), "--at " + at + " is outside the trace's 0.."
                    + trace.length() + " events");
        }
        if (trace.noise().total() > 0) {
            spec.commandLine().getErr().println("note: " + trace.source() + ": " + trace.noise().summary());
        }
        AllocatorSpec jpymalloc = AllocatorNames.parse("jpymalloc", arguments.geometry);
        MallocStats stats = Replayer.statsAfter(trace, jpymalloc, events);
        var out = spec.commandLine().getOut();
        out.print(json ? stats.toJson() : stats.toDebugMallocStats());
        out.flush();
        return 0;
    }
}
