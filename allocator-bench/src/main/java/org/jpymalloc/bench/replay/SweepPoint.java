package org.jpymalloc.bench.replay;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * One combination of a sweep: a geometry and an arena policy (with its retention), as the command line named
 * them, and what the replay through them measured.
 *
 * @param geometry the geometry's name, as {@code compare --geometry} takes it
 * @param policy the policy's name, with a {@code :spares=N} suffix when the sweep set one
 * @param result the replay
 */
public record SweepPoint(String geometry, String policy, ReplayResult result) implements Serializable {

    /** The label in tables and plots. */
    public String label() {
        return label(geometry, policy);
    }

    /** The label of the combination of {@code geometry} and {@code policy}. */
    public static String label(String geometry, String policy) {
        return geometry + " / " + policy;
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
        double time = result.medianNsPerEvent();
        double otherTime = other.result.medianNsPerEvent();
        long peak = result.peakMappedBytes();
        long otherPeak = other.result.peakMappedBytes();
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
        front.sort(java.util.Comparator.comparingDouble(p -> p.result.medianNsPerEvent()));
        return front;
    }
}
