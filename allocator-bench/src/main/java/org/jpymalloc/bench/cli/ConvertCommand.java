package org.jpymalloc.bench.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.jpymalloc.bench.trace.Trace;
import org.jpymalloc.bench.trace.TraceFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code convert}: any trace to jpymalloc's binary format. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Converts a trace (mtrace or binary, optionally gzip-compressed) to jpymalloc's binary format "
                + "(docs/trace-format.md); gzip-compressed when OUTPUT ends in .gz.")
final class ConvertCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "INPUT")
    Path input;

    @Parameters(index = "1", paramLabel = "OUTPUT")
    Path output;

    @Override
    public Integer call() {
        Trace trace = TraceFiles.read(input);
        TraceFiles.writeBinary(trace, output);
        long[] kinds = trace.countsByKind();
        spec.commandLine().getOut().printf("%s: %,d events (%,d malloc, %,d free, %,d realloc), %,d slots; noise: %s%n",
                output, trace.length(), kinds[0], kinds[1], kinds[2], trace.slotCount(), trace.noise().summary());
        return 0;
    }
}
