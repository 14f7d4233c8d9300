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

    /** Live bytes over mapped bytes at sample {@code i} (0 when nothing is mapped). */
    public double utilisation(int i) {
        return mappedBytes[i] == 0 ? 0 : (double) liveBytes[i] / mappedBytes[i];
    }
}
