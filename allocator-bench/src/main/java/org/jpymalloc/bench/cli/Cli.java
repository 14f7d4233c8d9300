package org.jpymalloc.bench.cli;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Set;

import org.jpymalloc.bench.replay.Replayer;
import org.jpymalloc.bench.trace.TraceFormatException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code java -jar jpymalloc-bench.jar COMMAND}: trace replay and allocator comparison. Exit status 0 on
 * success, 1 when the work fails (an allocator fails or is missing, a report cannot be written), 2 for bad
 * input (an unknown name, a bad value, a trace that cannot be read or is malformed).
 */
@Command(name = "jpymalloc-bench", mixinStandardHelpOptions = true, version = "jpymalloc-bench 0.1.0",
        description = "Replays allocation traces through jpymalloc and C allocators.",
        subcommands = {StatsCommand.class, ReplayCommand.class, CompareCommand.class, SweepCommand.class, PlotCommand.class,
                ConvertCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Other first arguments: 'demo' runs the demo workload; anything else goes to JMH "
                + "(e.g. 'AllocFreePair -p size=64', '-h' for JMH's help)."})
public final class Cli implements java.util.concurrent.Callable<Integer> {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** No command given: the usage, as an error. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    /** The commands this CLI answers; {@code BenchMain} sends everything else to JMH. */
    public static final Set<String> COMMANDS = Set.of("stats", "replay", "compare", "sweep", "plot", "convert", "help",
            "--help", "-h", "--version", "-V");

    private Cli() {
    }

    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine line = new CommandLine(new Cli());
        line.setOut(out);
        line.setErr(err);
        line.setExecutionExceptionHandler((e, command, parseResult) -> {
            if (e instanceof IllegalArgumentException || e instanceof TraceFormatException) {
                command.getErr().println("error: " + e.getMessage());
                return 2; // bad input: a value, or a trace that cannot be read
            }
            if (e instanceof UncheckedIOException || e instanceof Replayer.UnavailableException
                    || e instanceof IllegalStateException) {
                command.getErr().println("error: " + e.getMessage());
                return 1; // the work failed
            }
            throw e;
        });
        int exit = line.execute(args);
        out.flush();
        err.flush();
        return exit;
    }
}
