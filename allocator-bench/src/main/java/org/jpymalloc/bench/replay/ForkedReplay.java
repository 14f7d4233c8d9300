package org.jpymalloc.bench.replay;

import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.jpymalloc.bench.NativePeers;
import org.jpymalloc.bench.trace.Trace;
import org.jpymalloc.bench.trace.TraceFiles;

/**
 * Runs each allocator's replay in a JVM of its own, like JMH's forks: no allocator inherits another's
 * heap state, JIT profile or page faults, glibc's statistics see one replay, and jemalloc, which only
 * works through {@code LD_PRELOAD}, gets a process where it is the malloc. The child is this program's
 * {@code replay} command; its result comes back as a serialized {@link ReplayResult}.
 *
 * <p>Children run with a fixed, pre-touched Java heap (on transparent huge pages where the kernel allows),
 * so that the Java heap's first-touch page faults do not land in the timed loops.
 */
public final class ForkedReplay {

    /** JVM options of every child. */
    public static final List<String> CHILD_JVM_OPTIONS = List.of("--enable-native-access=ALL-UNNAMED",
            "-Xms768m", "-Xmx768m", "-XX:+UseTransparentHugePages", "-XX:+AlwaysPreTouch");

    private final Path binaryTrace;
    private final List<String> replayArguments;
    private final boolean progress;

    /**
     * @param binaryTrace the trace in jpymalloc's binary format (quick for each child to read)
     * @param replayArguments options passed to each child's {@code replay} command (runs, geometry...)
     */
    public ForkedReplay(Path binaryTrace, List<String> replayArguments, boolean progress) {
        this.binaryTrace = binaryTrace;
        this.replayArguments = List.copyOf(replayArguments);
        this.progress = progress;
    }

    public ReplayResult run(AllocatorSpec spec) {
        Path resultFile = null;
        try {
            resultFile = Files.createTempFile("jpymalloc-replay-", ".result");
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(CHILD_JVM_OPTIONS);
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add("org.jpymalloc.bench.BenchMain");
            command.add("replay");
            command.add("--allocator=" + spec.name());
            command.addAll(replayArguments);
            command.add("--result-file=" + resultFile);
            if (progress) {
                command.add("--progress");
            }
            command.add(binaryTrace.toString());
            ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD);
            if (spec.name().startsWith("jemalloc")) {
                Path jemalloc = NativePeers.libraryPath("libjemalloc.so.2").orElseThrow(() ->
                        new Replayer.UnavailableException("jemalloc: libjemalloc.so.2 is not installed "
                                + "(apt-get install libjemalloc2)"));
                builder.environment().put("LD_PRELOAD", jemalloc.toString());
            }
            int exit = builder.start().waitFor();
            if (exit != 0) {
                throw new IllegalStateException("the replay of " + spec.label() + " failed in its JVM (exit "
                        + exit + "); its error is above");
            }
            return read(resultFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run the replay of " + spec.label() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while replaying " + spec.label(), e);
        } finally {
            if (resultFile != null) {
                resultFile.toFile().delete();
            }
        }
    }

    /** A temporary copy of {@code trace} in the binary format, for the children to read; the caller deletes it. */
    public static Path binaryCopy(Trace trace) {
        try {
            Path file = Files.createTempFile("jpymalloc-trace-", ".jpmt");
            TraceFiles.writeBinary(trace, file);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a temporary trace: " + e.getMessage(), e);
        }
    }

    /** Written by the child. */
    public static void write(ReplayResult result, Path file) {
        try (OutputStream raw = Files.newOutputStream(file); ObjectOutputStream out = new ObjectOutputStream(raw)) {
            out.writeObject(result);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static ReplayResult read(Path file) throws IOException {
        try (InputStream raw = Files.newInputStream(file); ObjectInputStream in = new ObjectInputStream(raw)) {
            return (ReplayResult) in.readObject();
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("unexpected result class", e);
        }
    }
}
