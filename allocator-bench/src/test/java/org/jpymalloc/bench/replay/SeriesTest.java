package org.jpymalloc.bench.replay;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Johnstone and Wilson's fragmentation #1 over a replay's samples. */
class SeriesTest {

    private static Series series(long[] mapped, long[] live) {
        long[] events = new long[mapped.length];
        for (int i = 0; i < events.length; i++) {
            events[i] = 1000L * i;
        }
        return new Series(1000, events, mapped, live, new int[0], new int[0][], new long[0]);
    }

    @Test
    void theTimeAverageIsTheMeanOverThePointsWhereSomethingIsLive() {
        Series s = series(new long[] {4096, 200, 300, 100}, new long[] {0, 100, 100, 100});
        assertTrue(Double.isNaN(s.fragmentation(0)), "nothing live: undefined, and left out of the average");
        assertEquals(1.0, s.fragmentation(1));
        assertEquals(2.0, s.fragmentation(2));
        assertEquals(0.0, s.fragmentation(3));
        assertEquals(1.0, s.timeAveragedFragmentation(), 1e-12);
    }

    @Test
    void aTraceWithNothingLiveHasNoFragmentation() {
        assertTrue(Double.isNaN(series(new long[] {0, 4096}, new long[] {0, 0}).timeAveragedFragmentation()));
        assertTrue(Double.isNaN(series(new long[0], new long[0]).timeAveragedFragmentation()));
    }
}
