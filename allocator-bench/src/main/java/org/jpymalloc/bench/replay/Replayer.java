package org.jpymalloc.bench.replay;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.jpymalloc.MallocStats;
import org.jpymalloc.bench.NativePeers;
import org.jpymalloc.bench.trace.Trace;

/**
 * Replays a decoded {@link Trace} through one allocator: first one sampled run that records the time
 * series, the peaks and jpymalloc's statistics (not timed, since sampling walks the heap), then
 * {@code warmups} untimed runs and {@code runs} timed runs of the whole trace. The clock covers only the
 * loop of allocation calls. The timed runs share one allocator, as a long-running program would (glibc's
 * heap cannot be made new anyway): blocks left at the end of a run are freed outside the clock, and what
 * the allocator then keeps mapped for the next run is its own policy (jpymalloc returns emptied arenas to
 * the OS beyond its spares, and pays the page faults of mapping them again).
 */
public final class Replayer {

    /**
     * @param warmups untimed runs first (let the JIT compile the loop and the allocator)
     * @param runs timed runs
     * @param samples about how many samples the time series gets (every {@code events / samples} events)
     * @param progress told the fraction done after each run and sample (0..1), or null
     * @param calls what the replay keeps for each block, the same for every allocator
     */
    public record Options(int warmups, int runs, int samples, Consumer<Double> progress, Calls calls) {

        public Options {
            if (warmups < 0) {
                throw new IllegalArgumentException("warmups must be >= 0, got " + warmups);
            }
            if (runs < 1) {
                throw new IllegalArgumentException("runs must be >= 1, got " + runs);
            }
            if (samples < 1) {
                throw new IllegalArgumentException("samples must be >= 1, got " + samples);
            }
            if (calls == null) {
                throw new IllegalArgumentException("calls must be given (segments or addresses)");
            }
        }

        /** Blocks kept as segments ({@link Calls#SEGMENTS}). */
        public Options(int warmups, int runs, int samples, Consumer<Double> progress) {
            this(warmups, runs, samples, progress, Calls.SEGMENTS);
        }

        public static Options quick() {
            return new Options(0, 1, 100, null);
        }
    }

    /** An allocator that cannot run in this process (not installed, or needs {@code LD_PRELOAD}). */
    public static final class UnavailableException extends RuntimeException {
        public UnavailableException(String message) {
            super(message);
        }
    }

    private final Trace trace;
    private final Trace.Arrays events;
    private final Options options;

    public Replayer(Trace trace, Options options) {
        this.trace = trace;
        this.events = trace.arrays();
        this.options = options;
    }

    /**
     * The sampled run comes first, so that memory is measured as the program itself would see it: in a
     * process where this allocator has not run before (C allocators keep what they mapped).
     */
    public ReplayResult replay(AllocatorSpec spec) {
        int steps = options.warmups() + options.runs() + 1;
        ReplayResult sampled = sampledRun(spec, 1.0 / steps);
        long[] nanos = new long[options.runs()];
        long[] faults = new long[options.runs()];
        try (ReplayTarget target = newTarget(spec, false)) {
            for (int i = 0; i < options.warmups(); i++) {
                timedRun(target);
                progress((i + 2.0) / steps);
            }
            for (int i = 0; i < nanos.length; i++) {
                long faultsBefore = ProcessCounters.minorFaults();
                nanos[i] = timedRun(target);
                faults[i] = ProcessCounters.minorFaults() - faultsBefore;
                progress((options.warmups() + i + 2.0) / steps);
            }
        }
        return sampled.withRuns(nanos, faults);
    }

    /**
     * Replays the first {@code events} events through a new jpymalloc allocator in {@code spec}'s geometry
     * and mode, and answers its statistics then (the allocator is closed afterwards).
     */
    public static MallocStats statsAfter(Trace trace, AllocatorSpec spec, int events) {
        if (!spec.isJpymalloc()) {
            throw new IllegalArgumentException("statistics need a jpymalloc allocator, not " + spec.name());
        }
        try (PyMallocTarget target = PyMallocTarget.of(spec, trace.slotCount(), true, Calls.SEGMENTS)) {
            loop(target, trace.prefix(events).arrays());
            return target.stats();
        }
    }

    /**
     * Why {@code spec} cannot be replayed here, or empty if it can: a C allocator that is not installed,
     * or jemalloc in this JVM without {@code LD_PRELOAD} ({@code forked}: in a child JVM, which gets it).
     */
    public static java.util.Optional<String> unavailable(AllocatorSpec spec, boolean forked) {
        if (spec.isJpymalloc()) {
            return java.util.Optional.empty();
        }
        if (forked && spec.name().startsWith("jemalloc")) {
            return NativePeers.libraryPath("libjemalloc.so.2").isPresent() ? java.util.Optional.empty()
                    : java.util.Optional.of("jemalloc: libjemalloc.so.2 is not installed (apt-get install libjemalloc2)");
        }
        String[] why = new String[1];
        return NativePeers.byName(spec.name(), why).isPresent() ? java.util.Optional.empty()
                : java.util.Optional.of(spec.name() + ": " + why[0]);
    }

    /**
     * A new target for {@code spec}, sized for this trace; {@code withStatistics}: jpymalloc keeps requested
     * bytes (the sampled run), else it runs as the library's default does (the timed runs).
     */
    ReplayTarget newTarget(AllocatorSpec spec, boolean withStatistics) {
        if (spec.isJpymalloc()) {
            return PyMallocTarget.of(spec, trace.slotCount(), withStatistics, options.calls());
        }
        String[] why = new String[1];
        NativePeers.CAllocator peer = NativePeers.byName(spec.name(), why)
                .orElseThrow(() -> new UnavailableException(spec.name() + ": " + why[0]));
        return NativeTarget.of(peer, trace.slotCount(), options.calls());
    }

    private long timedRun(ReplayTarget target) {
        long nanos = loop(target, events);
        target.freeAll();
        return nanos;
    }

    /** The timed loop: nothing but the allocation calls. */
    private static long loop(ReplayTarget target, Trace.Arrays events) {
        byte[] ops = events.ops();
        int[] slots = events.slots();
        long[] sizes = events.sizes();
        int length = events.length();
        long start = System.nanoTime();
        for (int i = 0; i < length; i++) {
            byte op = ops[i];
            if (op == Trace.MALLOC) {
                target.malloc(slots[i], sizes[i]);
            } else if (op == Trace.FREE) {
                target.free(slots[i]);
            } else {
                target.realloc(slots[i], sizes[i]);
            }
        }
        return System.nanoTime() - start;
    }

    private ReplayResult sampledRun(AllocatorSpec spec, double progressShare) {
        int length = events.length();
        int every = Math.max(1, length / options.samples());
        SeriesBuilder series = new SeriesBuilder(every, spec.isJpymalloc());
        long[] slotBytes = new long[trace.slotCount()];
        long live = 0;
        long peakLive = 0;
        long peakMapped = 0;
        OccupancyGrid atPeak = null;
        try (ReplayTarget target = newTarget(spec, true)) {
            PyMallocTarget jpymalloc = target instanceof PyMallocTarget p ? p : null;
            for (int i = 0; i < length; i++) {
                int slot = events.slots()[i];
                long size = events.sizes()[i];
                switch (events.ops()[i]) {
                    case Trace.MALLOC -> target.malloc(slot, size);
                    case Trace.FREE -> target.free(slot);
                    default -> target.realloc(slot, size);
                }
                live += size - slotBytes[slot];
                slotBytes[slot] = size;
                peakLive = Math.max(peakLive, live);
                if ((i + 1) % every == 0 || i == length - 1) {
                    long mapped = target.mappedBytes();
                    series.add(i + 1, mapped, live, jpymalloc == null ? null : jpymalloc.stats());
                    if (mapped > peakMapped || atPeak == null && jpymalloc != null) {
                        peakMapped = Math.max(peakMapped, mapped);
                        atPeak = jpymalloc == null ? null : OccupancyGrid.of(jpymalloc.occupancy(), i + 1);
                    }
                    progress(progressShare * (i + 1.0) / length);
                }
            }
            long finalMapped = target.mappedBytes();
            MallocStats end = jpymalloc == null ? null : jpymalloc.stats();
            OccupancyGrid atEnd = jpymalloc == null ? null : OccupancyGrid.of(jpymalloc.occupancy(), length);
            target.freeAll();
            return new ReplayResult(spec.label(), trace.source(), length, trace.countsByKind(), trace.noise(), new long[0], new long[0],
                    peakMapped, finalMapped, peakLive, live, target.memoryDescription(), target.calling(), series.build(),
                    end == null ? null : end.toDebugMallocStats(), end == null ? null : end.toJson(),
                    end == null ? -1 : end.arenasAllocatedTotal(), atEnd, atPeak);
        }
    }

    private void progress(double done) {
        if (options.progress() != null) {
            options.progress().accept(done);
        }
    }

    /** Grows the sample arrays of a {@link Series}. */
    private static final class SeriesBuilder {
        private final int every;
        private final boolean pools;
        private final List<long[]> rows = new ArrayList<>();
        private final List<int[]> poolRows = new ArrayList<>();
        private long[] blockSizes = new long[0];

        SeriesBuilder(int every, boolean pools) {
            this.every = every;
            this.pools = pools;
        }

        void add(long event, long mapped, long live, MallocStats stats) {
            rows.add(new long[] {event, mapped, live, stats == null ? -1 : stats.arenasCurrent()});
            if (pools && stats != null) {
                poolRows.add(stats.sizeClasses().stream().mapToInt(c -> (int) c.pools()).toArray());
                blockSizes = stats.sizeClasses().stream().mapToLong(MallocStats.SizeClassStats::blockSize).toArray();
            }
        }

        Series build() {
            int n = rows.size();
            long[] events = new long[n];
            long[] mapped = new long[n];
            long[] live = new long[n];
            int[] arenas = new int[pools ? n : 0];
            for (int i = 0; i < n; i++) {
                long[] row = rows.get(i);
                events[i] = row[0];
                mapped[i] = row[1];
                live[i] = row[2];
                if (pools) {
                    arenas[i] = (int) row[3];
                }
            }
            return new Series(every, events, mapped, live, arenas, poolRows.toArray(new int[0][]), blockSizes);
        }
    }
}
