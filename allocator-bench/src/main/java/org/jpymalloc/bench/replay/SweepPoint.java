package org.jpymalloc.bench.replay;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One combination of a sweep: a geometry and an arena policy (with its retention), as the command line named
 * them, and its replay in each of its JVMs (forks). Time is the median over the forks of each fork's
 * median time per event, since on these hosts a whole JVM can land on a slower vCPU; mapped bytes and
 * fragmentation are medians over the forks too, and the series, faults and statistics the median-time
 * fork's.
 *
 * @param geometry the geometry's name, as {@code compare --geometry} takes it
 * @param policy the policy's name, with a {@code :spares=N} suffix when the sweep set one
 * @param forks the replay in each fork, at least one
 */
public record SweepPoint(String geometry, String policy, List<ReplayResult> forks) implements Serializable {

    public SweepPoint {
        if (forks.isEmpty()) {
            throw new IllegalArgumentException("a sweep point needs a replay");
        }
        forks = List.copyOf(forks);
    }

    /** The label in tables and plots. */
    public String label() {
        return label(geometry, policy);
    }

    /** The label of the combination of {@code geometry} and {@code policy}. */
    public static String label(String geometry, String policy) {
        return geometry + " / " + policy;
    }

    /** The fork whose median time per event is the median of the forks' (the lower middle for an even count). */
    public ReplayResult result() {
        List<ReplayResult> sorted = new ArrayList<>(forks);
        sorted.sort(Comparator.comparingDouble(ReplayResult::medianNsPerEvent));
        return sorted.get((sorted.size() - 1) / 2);
    }

    /** Median over the forks of each fork's median time per event, in nanoseconds. */
    public double medianNsPerEvent() {
        double[] medians = forks.stream().mapToDouble(ReplayResult::medianNsPerEvent).sorted().toArray();
        int n = medians.length;
        return n % 2 == 1 ? medians[n / 2] : (medians[n / 2 - 1] + medians[n / 2]) / 2;
    }

    /**
     * Median over the forks of the peak mapped bytes (the lower middle for an even count): where {@code mmap}
     * places arenas differs between processes, and with pools larger than a page it decides whether an
     * arena loses a pool to alignment.
     */
    public long peakMappedBytes() {
        return lowerMedian(forks.stream().mapToLong(ReplayResult::peakMappedBytes).sorted().toArray());
    }

    /** Median over the forks of the mapped bytes at the end, as {@link #peakMappedBytes()}. */
    public long finalMappedBytes() {
        return lowerMedian(forks.stream().mapToLong(ReplayResult::finalMappedBytes).sorted().toArray());
    }

    /** Peak live requested bytes over {@link #peakMappedBytes()} (0 when nothing was mapped). */
    public double peakUtilisation() {
        long peak = peakMappedBytes();
        return peak == 0 ? 0 : (double) result().peakLiveBytes() / peak;
    }

    /**
     * Median over the forks of Johnstone and Wilson's time-averaged fragmentation (the lower middle for an
     * even count): like the peak, it moves with where {@code mmap} places arenas.
     */
    public double timeAveragedFragmentation() {
        double[] sorted = forks.stream().mapToDouble(r -> r.series().timeAveragedFragmentation()).sorted().toArray();
        return sorted[(sorted.length - 1) / 2];
    }

    private static long lowerMedian(long[] sorted) {
        return sorted[(sorted.length - 1) / 2];
    }

    /** The fastest fork's median time per event. */
    public double fastestForkNsPerEvent() {
        return forks.stream().mapToDouble(ReplayResult::medianNsPerEvent).min().orElseThrow();
    }

    /** The slowest fork's median time per event. */
    public double slowestForkNsPerEvent() {
        return forks.stream().mapToDouble(ReplayResult::medianNsPerEvent).max().orElseThrow();
    }

    /**
     * Whether this point is on the Pareto front of {@code points} for time and memory: no other point is
     * at least as good in both median time per event and peak mapped bytes, and better in one.
     */
    public boolean onParetoFront(List<SweepPoint> points) {
        for (SweepPoint other : points) {
            if (other != this && other.dominates(this)) {
                return false;
            }
        }
        return true;
    }

    private boolean dominates(SweepPoint other) {
        double time = medianNsPerEvent();
        double otherTime = other.medianNsPerEvent();
        long peak = peakMappedBytes();
        long otherPeak = other.peakMappedBytes();
        return time <= otherTime && peak <= otherPeak && (time < otherTime || peak < otherPeak);
    }

    /** The points on the front, by ascending time. */
    public static List<SweepPoint> paretoFront(List<SweepPoint> points) {
        List<SweepPoint> front = new ArrayList<>();
        for (SweepPoint point : points) {
            if (point.onParetoFront(points)) {
                front.add(point);
            }
        }
        front.sort(Comparator.comparingDouble(SweepPoint::medianNsPerEvent));
        return front;
    }
}
