package org.jpymalloc.bench.replay;

import org.jpymalloc.bench.trace.TraceNoise;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A sweep point's time over its JVMs, and the Pareto front of time and peak memory. */
class SweepPointTest {

    /** A replay of 1,000 events whose one timed run took {@code nsPerEvent} per event, peaking at {@code peak}. */
    private static ReplayResult replay(double nsPerEvent, long peak) {
        Series series = new Series(1, new long[] {1}, new long[] {peak}, new long[] {1}, new int[0], new int[0][],
                new long[0]);
        return new ReplayResult("x", "t", 1000, new long[3], TraceNoise.NONE, new long[] {(long) (nsPerEvent * 1000)},
                new long[] {0}, peak, peak, 1, 1, "m", "c", series, null, null, -1, null, null);
    }

    private static SweepPoint point(String policy, ReplayResult... forks) {
        return new SweepPoint("g", policy, List.of(forks));
    }

    @Test
    void timeIsTheMedianJvmsAndMemoryTheMedianJvms() {
        ReplayResult slow = replay(90, 300);
        ReplayResult middle = replay(60, 200);
        SweepPoint p = point("p", replay(50, 100), slow, middle);
        assertEquals(60, p.medianNsPerEvent(), 1e-9);
        assertEquals(50, p.fastestForkNsPerEvent(), 1e-9);
        assertEquals(90, p.slowestForkNsPerEvent(), 1e-9);
        assertSame(middle, p.result());
        assertEquals(200, p.peakMappedBytes(), "the median JVM's peak");
        assertEquals(199, p.timeAveragedFragmentation(), 1e-9, "(200 - 1) / 1, the median JVM's");
        assertEquals(100, point("even", replay(50, 100), replay(60, 300)).peakMappedBytes(), "the lower middle");
        assertEquals(55, point("q", replay(50, 1), replay(60, 1)).medianNsPerEvent(), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> point("none"));
    }

    @Test
    void theFrontHoldsThePointsNoOtherBeatsInTimeAndMemory() {
        SweepPoint fastBig = point("fast-big", replay(10, 300));
        SweepPoint slowSmall = point("slow-small", replay(30, 100));
        SweepPoint dominated = point("dominated", replay(30, 300));
        SweepPoint tie = point("tie", replay(10, 300));
        List<SweepPoint> points = List.of(dominated, slowSmall, fastBig, tie);
        assertTrue(fastBig.onParetoFront(points));
        assertTrue(tie.onParetoFront(points), "equal points do not dominate each other");
        assertTrue(slowSmall.onParetoFront(points));
        assertFalse(dominated.onParetoFront(points));
        assertEquals(List.of(fastBig, tie, slowSmall), SweepPoint.paretoFront(points));
    }
}
