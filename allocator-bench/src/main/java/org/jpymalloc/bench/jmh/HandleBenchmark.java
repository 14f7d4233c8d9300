package org.jpymalloc.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.jpymalloc.Handle;
import org.jpymalloc.LeakDetection;
import org.jpymalloc.PyMalloc;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Question: what does a reference-counted block cost, allocated, written and released, against Netty's
 * pooled direct {@link ByteBuf} doing the same (the target: at most 0.3x Netty), at 64 bytes?
 * Each side keeps one block of the size live, so the pools stay in use (steady state, as in
 * {@code AllocFreePairBenchmark}); {@code pair} is jpymalloc without a handle, for the handle's own cost.
 */
@State(Scope.Thread)
public class HandleBenchmark extends BenchmarkDefaults {

    private static final int SIZE = 64;

    private PyMalloc untracked;
    private PyMalloc sampled;
    private MemorySegment residentUntracked;
    private MemorySegment residentSampled;
    private PooledByteBufAllocator netty;
    private ByteBuf residentNetty;
    private long counter;

    @Setup(Level.Trial)
    public void setUp() {
        untracked = PyMalloc.builder().leakDetection(LeakDetection.Level.DISABLED).build();
        sampled = PyMalloc.builder().leakDetection(LeakDetection.Level.SAMPLED).build();
        residentUntracked = untracked.allocate(SIZE);
        residentSampled = sampled.allocate(SIZE);
        netty = PooledByteBufAllocator.DEFAULT;
        residentNetty = netty.directBuffer(SIZE);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        untracked.free(residentUntracked);
        sampled.free(residentSampled);
        untracked.close();
        sampled.close();
        residentNetty.release();
    }

    /** Handle with leak detection off. */
    @Benchmark
    public boolean handle() {
        Handle h = untracked.allocateHandle(SIZE);
        h.segment().set(ValueLayout.JAVA_LONG, 0, counter++);
        return h.release();
    }

    /** Handle with the default leak detection: one in 128 handles tracked, with its allocation site. */
    @Benchmark
    public boolean handleSampled() {
        Handle h = sampled.allocateHandle(SIZE);
        h.segment().set(ValueLayout.JAVA_LONG, 0, counter++);
        return h.release();
    }

    /** The same block without a handle. */
    @Benchmark
    public long pair() {
        MemorySegment s = untracked.allocate(SIZE);
        s.set(ValueLayout.JAVA_LONG, 0, counter++);
        long address = s.address();
        untracked.free(s);
        return address;
    }

    /** Netty's pooled direct buffer: allocate, write, release (Netty's default leak sampling on). */
    @Benchmark
    public boolean nettyPooledDirect() {
        ByteBuf b = netty.directBuffer(SIZE);
        b.writeLong(counter++);
        return b.release();
    }
}
