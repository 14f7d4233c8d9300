package org.jpymalloc.bench.jmh;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

import org.jpymalloc.PyMalloc;
import org.jpymalloc.bench.NativePeers;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Question: the seed document's "one million allocations" figures (C++ heap 50 ms, stack 2 µs, Python
 * 50-100 ms), re-measured for what a Java program can do. One operation is one million iterations, each
 * allocating one 4-byte int and dropping it, the seed's {@code std::make_unique<int>(42)}; the result is
 * in milliseconds per million. Every block is written and handed to a {@link Blackhole} so that nothing
 * can be elided (the seed's own C++ heap loop is elided outright by g++ -O2; see docs/benchmarks.md).
 * The forks get a fixed, pre-touched Java heap: without it, {@code javaNew} measured 8 ms in some
 * iterations and 145 ms in others, the difference being first-touch page faults of new young-generation
 * memory on the benchmark VM, not allocation.
 */
@State(Scope.Thread)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", BenchmarkDefaults.NETTY_CACHE, "-Xms1g", "-Xmx1g",
    "-XX:+AlwaysPreTouch"})
public class SeedClaimsBenchmark extends BenchmarkDefaults {

    private static final int MILLION = 1_000_000;

    private PyMalloc pymalloc;
    private NativePeers.CAllocator libc;

    @Setup(Level.Trial)
    public void setUp() {
        pymalloc = PyMalloc.ofConfined();
        libc = NativePeers.libc();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pymalloc.close();
    }

    /** The seed's "stack" case: an int local to the loop; the JVM keeps it in a register. */
    @Benchmark
    public void stackLocal(Blackhole bh) {
        for (int i = 0; i < MILLION; i++) {
            int x = 42;
            bh.consume(x);
        }
    }

    /** A small Java object per iteration, escaping to the blackhole: a TLAB bump, then young-GC work. */
    @Benchmark
    public void javaNew(Blackhole bh) {
        for (int i = 0; i < MILLION; i++) {
            int[] x = new int[] {42};
            bh.consume(x);
        }
    }

    /** glibc {@code malloc(4)}, write, {@code free} through FFM downcalls (raw address). */
    @Benchmark
    public void glibcMalloc(Blackhole bh) {
        for (int i = 0; i < MILLION; i++) {
            long p = libc.malloc(4);
            MemorySegment.ofAddress(p).reinterpret(4).set(ValueLayout.JAVA_INT, 0, 42);
            bh.consume(p);
            libc.free(p);
        }
    }

    /** jpymalloc: {@code allocate(4)}, write, {@code free}. */
    @Benchmark
    public void jpymalloc(Blackhole bh) {
        for (int i = 0; i < MILLION; i++) {
            MemorySegment x = pymalloc.allocate(4);
            x.set(ValueLayout.JAVA_INT, 0, 42);
            bh.consume(x);
            pymalloc.free(x);
        }
    }

    /** One confined JDK arena per int: what "off-heap with the JDK alone" costs per block. */
    @Benchmark
    public void arenaOfConfined(Blackhole bh) {
        for (int i = 0; i < MILLION; i++) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment x = arena.allocate(ValueLayout.JAVA_INT);
                x.set(ValueLayout.JAVA_INT, 0, 42);
                bh.consume(x);
            }
        }
    }
}
