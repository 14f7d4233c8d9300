package org.jpymalloc;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The traced live blocks of an allocator at one moment, like tracemalloc's {@code Snapshot}: group them
 * by allocation line or by whole traceback with {@link #statistics}, and compare two snapshots with
 * {@link #changesSince}.
 *
 * @param taken when the snapshot was taken
 * @param blocks each traced live block: its traceback and requested bytes
 * @param tracebackDepth the allocator's tracing depth
 */
public record TraceSnapshot(Instant taken, List<TracedBlock> blocks, int tracebackDepth) {

    /** How blocks are grouped. */
    public enum GroupBy {
        /** By the innermost frame (tracemalloc's {@code 'lineno'}). */
        LINE,
        /** By the whole traceback (tracemalloc's {@code 'traceback'}). */
        TRACEBACK
    }

    /**
     * One traced live block.
     *
     * @param size requested bytes
     */
    public record TracedBlock(Traceback traceback, long size) {
    }

    /**
     * One group: its key, total bytes and block count.
     *
     * @param traceback the group's key (one frame when grouped by line)
     */
    public record Statistic(Traceback traceback, long size, long count) {

        @Override
        public String toString() {
            return traceback.line() + ": size=" + size + " B, count=" + count + ", average=" + (count == 0 ? 0
                    : size / count) + " B";
        }
    }

    /**
     * One group compared with an older snapshot.
     *
     * @param sizeDiff bytes now minus bytes then
     * @param countDiff blocks now minus blocks then
     */
    public record StatisticDiff(Traceback traceback, long size, long sizeDiff, long count, long countDiff) {

        @Override
        public String toString() {
            return traceback.line() + ": size=" + size + " B (" + signed(sizeDiff) + " B), count=" + count + " ("
                    + signed(countDiff) + ")";
        }

        private static String signed(long value) {
            return value >= 0 ? "+" + value : String.valueOf(value);
        }
    }

    public TraceSnapshot {
        Objects.requireNonNull(taken, "taken");
        blocks = List.copyOf(blocks);
    }

    /** Traced bytes in this snapshot. */
    public long size() {
        return blocks.stream().mapToLong(TracedBlock::size).sum();
    }

    /** Groups, the largest first (then by count, then by key). */
    public List<Statistic> statistics(GroupBy groupBy) {
        Map<Traceback, long[]> groups = group(groupBy);
        List<Statistic> result = new ArrayList<>(groups.size());
        groups.forEach((key, totals) -> result.add(new Statistic(key, totals[0], totals[1])));
        result.sort(Comparator.comparingLong(Statistic::size).reversed()
                .thenComparing(Comparator.comparingLong(Statistic::count).reversed())
                .thenComparing(s -> s.traceback().toString()));
        return result;
    }

    /**
     * Each group's size and count against {@code older}, the largest change first; groups only in
     * {@code older} appear with size and count 0 (tracemalloc's {@code Snapshot.compare_to}).
     *
     * @throws NullPointerException if {@code older} or {@code groupBy} is null
     */
    public List<StatisticDiff> changesSince(TraceSnapshot older, GroupBy groupBy) {
        Objects.requireNonNull(groupBy, "groupBy");
        return compareTo(older, groupBy);
    }

    /**
     * {@link #changesSince}, under the name of 0.1.0, kept for code compiled against it. It is not
     * {@link Comparable#compareTo}: it answers a list of differences, not an order.
     *
     * @deprecated use {@link #changesSince}, whose name says what it answers
     */
    @Deprecated
    public List<StatisticDiff> compareTo(TraceSnapshot older, GroupBy groupBy) {
        Objects.requireNonNull(older, "older snapshot");
        Map<Traceback, long[]> now = group(groupBy);
        Map<Traceback, long[]> then = older.group(groupBy);
        List<StatisticDiff> result = new ArrayList<>();
        now.forEach((key, totals) -> {
            long[] old = then.getOrDefault(key, new long[2]);
            result.add(new StatisticDiff(key, totals[0], totals[0] - old[0], totals[1], totals[1] - old[1]));
        });
        then.forEach((key, old) -> {
            if (!now.containsKey(key)) {
                result.add(new StatisticDiff(key, 0, -old[0], 0, -old[1]));
            }
        });
        result.sort(Comparator.comparingLong((StatisticDiff d) -> Math.abs(d.sizeDiff())).reversed()
                .thenComparing(Comparator.comparingLong(StatisticDiff::size).reversed())
                .thenComparing(d -> d.traceback().toString()));
        return result;
    }

    private Map<Traceback, long[]> group(GroupBy groupBy) {
        Objects.requireNonNull(groupBy, "groupBy");
        Map<Traceback, long[]> groups = new HashMap<>();
        for (TracedBlock block : blocks) {
            Traceback key = groupBy == GroupBy.LINE ? block.traceback().lineOnly() : block.traceback();
            long[] totals = groups.computeIfAbsent(key, k -> new long[2]);
            totals[0] += block.size();
            totals[1]++;
        }
        return groups;
    }
}
