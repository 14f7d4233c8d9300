package org.jpymalloc.bench.replay;

import java.io.Serializable;
import java.util.Arrays;

import org.jpymalloc.bench.trace.TraceNoise;

/**
 * What one allocator did with one trace.
 *
 * @param allocator the allocator's label
 * @param trace the trace's source
 * @param events events replayed
 * @param kinds {@code [mallocs, frees, reallocs]}
 * @param runNanos wall time of each timed run of the whole trace (allocation calls only)
 * @param runFaults minor page faults of the process during each timed run (-1 where unknown)
 * @param peakMappedBytes the largest mapped figure sampled
 * @param finalMappedBytes the mapped figure after the last event (blocks still live)
 * @param peakLiveBytes the most requested bytes live at once (exact, from the trace)
 * @param finalLiveBytes requested bytes live after the last event
 * @param memoryDescription what "mapped" means for this allocator
 * @param calling how the replay called the allocator (a C allocator: critical or plain downcalls)
 * @param series the sampled time series
 * @param debugMallocStats jpymalloc's {@code sys._debugmallocstats()} text at the end, or null
 * @param statsJson jpymalloc's {@code MallocStats.toJson()} at the end, or null
 * @param arenasAllocatedTotal jpymalloc's arenas mapped over the whole trace
 *     ({@code MallocStats.arenasAllocatedTotal()} at the end: with spares 0, one {@code mmap} each), or -1
 * @param occupancyAtEnd jpymalloc's occupancy at the end, or null
 * @param occupancyAtPeak jpymalloc's occupancy at the sample with the most mapped bytes, or null
 */
public record ReplayResult(String allocator, String trace, int events, long[] kinds, TraceNoise noise,
                           long[] runNanos, long[] runFaults, long peakMappedBytes, long finalMappedBytes, long peakLiveBytes,
                           long finalLiveBytes, String memoryDescription, String calling, Series series, String debugMallocStats,
                           String statsJson, long arenasAllocatedTotal, OccupancyGrid occupancyAtEnd,
                           OccupancyGrid occupancyAtPeak) implements Serializable {

    ReplayResult withRuns(long[] nanos, long[] faults) {
        return new ReplayResult(allocator, trace, events, kinds, noise, nanos, faults, peakMappedBytes,
                finalMappedBytes, peakLiveBytes, finalLiveBytes, memoryDescription, calling, series, debugMallocStats,
                statsJson, arenasAllocatedTotal, occupancyAtEnd, occupancyAtPeak);
    }

    /** The same result, naming the trace by {@code source} (a child JVM read a temporary copy). */
    public ReplayResult withTrace(String source) {
        return new ReplayResult(allocator, source, events, kinds, noise, runNanos, runFaults, peakMappedBytes,
                finalMappedBytes, peakLiveBytes, finalLiveBytes, memoryDescription, calling, series, debugMallocStats,
                statsJson, arenasAllocatedTotal, occupancyAtEnd, occupancyAtPeak);
    }

    /** Median time per event over the timed runs, in nanoseconds. */
    public double medianNsPerEvent() {
        long[] sorted = runNanos.clone();
        Arrays.sort(sorted);
        double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2.0;
        return median / events;
    }

    /** Slowest run's time per event, in nanoseconds. */
    public double maxNsPerEvent() {
        return (double) Arrays.stream(runNanos).max().orElseThrow() / events;
    }

    /** The same result under another label (a sweep names its rows by geometry and policy). */
    public ReplayResult withAllocator(String label) {
        return new ReplayResult(label, trace, events, kinds, noise, runNanos, runFaults, peakMappedBytes,
                finalMappedBytes, peakLiveBytes, finalLiveBytes, memoryDescription, calling, series, debugMallocStats,
                statsJson, arenasAllocatedTotal, occupancyAtEnd, occupancyAtPeak);
    }

    /** Median minor page faults per timed run. */
    public long medianFaultsPerRun() {
        long[] sorted = runFaults.clone();
        Arrays.sort(sorted);
        return sorted.length == 0 ? -1 : sorted[sorted.length / 2];
    }

    /** Fastest run's time per event, in nanoseconds. */
    public double minNsPerEvent() {
        return (double) Arrays.stream(runNanos).min().orElseThrow() / events;
    }

    /** Peak live requested bytes over peak mapped bytes (0 when nothing was mapped). */
    public double peakUtilisation() {
        return peakMappedBytes == 0 ? 0 : (double) peakLiveBytes / peakMappedBytes;
    }
}
