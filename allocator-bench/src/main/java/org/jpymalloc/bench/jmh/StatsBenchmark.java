package org.jpymalloc.bench.jmh;

import java.util.concurrent.TimeUnit;

import org.jpymalloc.ArenaOccupancy;
import org.jpymalloc.LeakDetection;
import org.jpymalloc.MallocStats;
import org.jpymalloc.PyMalloc;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Question: what does a snapshot cost when the allocator holds 1 GiB of small blocks? {@code stats()}
 * walks every pool (and, for requested bytes, every live block's slack byte); {@code occupancy()} walks
 * every pool. Blocks of 64 bytes (16.5 million of them), or of mixed sizes 16 to 512.
 */
@State(Scope.Thread)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class StatsBenchmark extends BenchmarkDefaults {

    private static final long GIB = 1L << 30;

    @Param({"64", "mixed"})
    public String sizes;

    /** Whether requested bytes are tracked: then stats() also reads every live block's slack byte. */
    @Param({"false", "true"})
    public boolean track;

    private PyMalloc heap;

    @Setup(Level.Trial)
    public void fill() {
        heap = PyMalloc.builder().atClose(LeakDetection.AtClose.IGNORE).trackRequestedBytes(track).build();
        long i = 0;
        while (heap.stats().heldBytes() < GIB && i >= 0) {
            for (int n = 0; n < 1_000_000; n++, i++) {
                heap.allocate(sizes.equals("64") ? 64 : 16 + (i * 7919) % 497);
            }
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        heap.close();
    }

    @Benchmark
    public MallocStats stats() {
        return heap.stats();
    }

    @Benchmark
    public ArenaOccupancy occupancy() {
        return heap.occupancy();
    }
}
