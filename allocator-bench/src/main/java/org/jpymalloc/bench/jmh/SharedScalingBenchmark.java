package org.jpymalloc.bench.jmh;

import org.jpymalloc.PyMalloc;
import org.jpymalloc.bench.NativePeers;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

/**
 * Question: does the shared allocator scale when two threads allocate and free their own blocks? Total
 * throughput (pairs per microsecond, all threads) with one thread and with two, for jpymalloc's shared
 * mode (called directly, and through a thread heap per thread) and, as a reference, glibc malloc through
 * FFM. Each thread keeps one resident block of the size
 * (a program's steady state). This machine has 2 cores, so 2.0x is the ceiling.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class SharedScalingBenchmark extends BenchmarkDefaults {

    @Param({"64"})
    public int size;

    PyMalloc shared;
    NativePeers.CAllocator libc;

    @Setup(Level.Trial)
    public void setUp() {
        shared = PyMalloc.ofShared();
        libc = NativePeers.libc();
    }

    /** Set before the shared allocator closes: a thread's tear-down may run after it (Resident). */
    volatile boolean closing;

    @TearDown(Level.Trial)
    public void tearDown() {
        closing = true;
        shared.close();
    }

    /** Each benchmark thread's resident block. */
    @State(Scope.Thread)
    public static class Resident {
        MemorySegment block;
        long libcBlock;
        long counter;
        /** This thread's thread heap and its resident block. */
        PyMalloc threadHeap;
        MemorySegment threadHeapBlock;

        @Setup(Level.Trial)
        public void setUp(SharedScalingBenchmark b) {
            block = b.shared.allocate(b.size);
            libcBlock = b.libc.malloc(b.size);
            threadHeap = b.shared.threadHeap();
            threadHeapBlock = threadHeap.allocate(b.size);
        }

        /**
         * With two threads JMH may run the benchmark's tear-down first, on the other thread: the shared
         * allocator's close then freed these blocks and closed this thread heap, and freeing them again
         * rightly throws. Any other failure still fails the trial (before, it cost a two-thread fork its
         * last measured iteration).
         */
        @TearDown(Level.Trial)
        public void tearDown(SharedScalingBenchmark b) {
            b.libc.free(libcBlock);
            try {
                b.shared.free(block);
                threadHeap.free(threadHeapBlock);
                threadHeap.close();
            } catch (IllegalStateException e) {
                if (!b.closing) {
                    throw e;
                }
            }
        }
    }

    @Benchmark
    @Threads(1)
    public long jpymallocSharedOneThread(Resident r) {
        return sharedPair(r);
    }

    @Benchmark
    @Threads(2)
    public long jpymallocSharedTwoThreads(Resident r) {
        return sharedPair(r);
    }

    @Benchmark
    @Threads(1)
    public long jpymallocThreadHeapOneThread(Resident r) {
        return threadHeapPair(r);
    }

    @Benchmark
    @Threads(2)
    public long jpymallocThreadHeapTwoThreads(Resident r) {
        return threadHeapPair(r);
    }

    @Benchmark
    @Threads(1)
    public long mallocOneThread(Resident r) {
        return mallocPair(r);
    }

    @Benchmark
    @Threads(2)
    public long mallocTwoThreads(Resident r) {
        return mallocPair(r);
    }

    private long sharedPair(Resident r) {
        MemorySegment s = shared.allocate(size);
        s.set(ValueLayout.JAVA_LONG, 0, ++r.counter);
        shared.free(s);
        return s.address();
    }

    private long threadHeapPair(Resident r) {
        MemorySegment s = r.threadHeap.allocate(size);
        s.set(ValueLayout.JAVA_LONG, 0, ++r.counter);
        r.threadHeap.free(s);
        return s.address();
    }

    private long mallocPair(Resident r) {
        MemorySegment s = libc.allocate(size);
        s.set(ValueLayout.JAVA_LONG, 0, ++r.counter);
        libc.free(s.address());
        return s.address();
    }
}
