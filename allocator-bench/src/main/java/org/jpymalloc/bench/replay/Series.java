package org.jpymalloc.bench.replay;

import java.io.Serializable;

/**
 * Statistics sampled every {@code every} events of a replay, for plots: one entry per sample.
 *
 * @param events events replayed at each sample
 * @param mappedBytes the allocator's mapped bytes (see {@link ReplayTarget#mappedBytes()})
 * @param liveBytes bytes requested by the live blocks of the trace
 * @param arenas jpymalloc arenas held, or empty for C allocators
 * @param poolsPerClass jpymalloc pools in use per size class ({@code [sample][class]}), or empty
 * @param blockSizes jpymalloc's block size of each class, or empty
 */
public record Series(int every, long[] events, long[] mappedBytes, long[] liveBytes, int[] arenas,
                     int[][] poolsPerClass, long[] blockSizes) implements Serializable {

    public int size() {
        return events.length;
    }

    /**
     * Fragmentation at sample {@code i} in Johnstone and Wilson's sense: memory the allocator uses beyond
     * what the program requested, relative to the requested bytes ({@code (mapped - live) / live}); NaN
     * when nothing is live.
     */
    public double fragmentation(int i) {
        return liveBytes[i] == 0 ? Double.NaN : (double) (mappedBytes[i] - liveBytes[i]) / liveBytes[i];
    }

    /**
     * Johnstone and Wilson's fragmentation #1 ("The memory fragmentation problem: solved?", ISMM 1998): the
     * memory used by the allocator relative to the memory requested, averaged over all points in time;
     * here the samples, which are evenly spaced in events, where something is live. NaN if none is.
     */
    public double timeAveragedFragmentation() {
        double sum = 0;
        int points = 0;
        for (int i = 0; i < size(); i++) {
            if (liveBytes[i] > 0) {
                sum += fragmentation(i);
                points++;
            }
        }
        return points == 0 ? Double.NaN : sum / points;
    }

    /** Live bytes over mapped bytes at sample {@code i} (0 when nothing is mapped). */
    public double utilisation(int i) {
        return mappedBytes[i] == 0 ? 0 : (double) liveBytes[i] / mappedBytes[i];
    }
}
