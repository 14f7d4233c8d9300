package org.jpymalloc.bench.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.jpymalloc.bench.replay.Calls;
import org.jpymalloc.bench.replay.Replayer;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** How each allocator is replayed (a picocli mixin of {@code replay} and {@code compare}). */
final class RunArguments {

    @Option(names = "--runs", paramLabel = "N", defaultValue = "5", description = "timed runs (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--warmups", paramLabel = "N", defaultValue = "3",
            description = "untimed runs before them (default: ${DEFAULT-VALUE})")
    int warmups;

    @Option(names = "--samples", paramLabel = "N", defaultValue = "400",
            description = "about how many points the time series gets (default: ${DEFAULT-VALUE})")
    int samples;

    @Option(names = "--spare-arenas", paramLabel = "N",
            description = "jpymalloc: at most N emptied arenas kept mapped, until reused (0: CPython's policy; "
                    + "default: the library's, each kept for its decay time)")
    Integer spareArenas;

    @Option(names = "--calls", paramLabel = "KIND", defaultValue = "segments", converter = CallsConverter.class,
            description = "what the replay keeps per block, for every allocator alike: segments (jpymalloc's "
                    + "allocate/free; a C allocator's address wrapped with MemorySegment.ofAddress(p).reinterpret"
                    + "(size)) or addresses (jpymalloc's address API; a C allocator's raw address) "
                    + "(default: ${DEFAULT-VALUE})")
    Calls calls;

    /** Parses {@code --calls}, naming a bad value. */
    static final class CallsConverter implements CommandLine.ITypeConverter<Calls> {
        @Override
        public Calls convert(String value) {
            return Calls.named(value);
        }
    }

    Replayer.Options options(Consumer<Double> progress) {
        return new Replayer.Options(warmups, runs, samples, progress, calls);
    }

    /** The same settings as {@code replay} options, for a child JVM. */
    List<String> asArguments(String geometry) {
        List<String> arguments = timingArguments(geometry);
        if (spareArenas != null) {
            arguments.add("--spare-arenas=" + spareArenas);
        }
        return arguments;
    }

    /** Runs, warm-ups, samples and the geometry, for a child JVM whose allocator name carries its spares. */
    List<String> timingArguments(String geometry) {
        return new ArrayList<>(List.of("--runs=" + runs, "--warmups=" + warmups, "--samples=" + samples,
                "--geometry=" + geometry, "--calls=" + calls.label()));
    }
}
