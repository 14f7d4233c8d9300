package org.jpymalloc.bench.jmh;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jpymalloc.PyMalloc;
import org.jpymalloc.bench.NativePeers;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Question: what does an allocate, write one long, free round trip cost above the small request
 * threshold, where pymalloc hands requests to {@code malloc} (jpymalloc's system path)?
 *
 * <p>A confined allocator by default gives each block a confined scope and closes it at free, as CPython
 * passes large blocks to {@code malloc}; {@code jpymallocCached} sets {@code systemBlockCache(16 MiB)} on
 * one, so that freed blocks are kept with their scopes to serve again. A shared allocator (called
 * directly, or through a thread heap) does that by default, since closing a shared scope is a handshake
 * with every JVM thread; {@code jpymallocSharedNoCache} turns its cache off ({@code systemBlockCache(0)}).
 * glibc and mimalloc through critical downcalls, wrapped in a segment of the size. The bodies repeat for
 * the reason {@link AllocFreePairBenchmark} gives: the same call shape for every peer.
 */
@State(Scope.Thread)
public class SystemPathPairBenchmark extends BenchmarkDefaults {

    @Param({"1024", "16384"})
    public int size;

    private PyMalloc confined;
    private PyMalloc confinedCached;
    private PyMalloc shared;
    private PyMalloc threadHeap;
    private PyMalloc sharedNoCache;
    private NativePeers.CAllocator libc;
    private NativePeers.CAllocator mimalloc;
    /** Why mimalloc is missing, if it is. */
    private final String[] mimallocMissing = new String[1];
    private long counter;

    @Setup(Level.Trial)
    public void setUp() {
        confined = PyMalloc.ofConfined();
        confinedCached = PyMalloc.builder().systemBlockCache(16 << 20).build();
        shared = PyMalloc.ofShared();
        threadHeap = shared.threadHeap(); // JMH sets a thread-scoped state up on the thread that uses it
        sharedNoCache = PyMalloc.builder().shared(true).systemBlockCache(0).build();
        libc = NativePeers.libc();
        mimalloc = NativePeers.byName("mimalloc", mimallocMissing).orElse(null);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        confined.close();
        confinedCached.close();
        threadHeap.close();
        shared.close();
        sharedNoCache.close();
    }

    @Benchmark
    public long jpymalloc() {
        MemorySegment s = confined.allocate(size);
        s.set(ValueLayout.JAVA_LONG, 0, ++counter);
        confined.free(s);
        return s.address();
    }

    @Benchmark
    public long jpymallocCached() {
        MemorySegment s = confinedCached.allocate(size);
        s.set(ValueLayout.JAVA_LONG, 0, ++counter);
        confinedCached.free(s);
        return s.address();
    }

    @Benchmark
    public long jpymallocThreadHeap() {
        MemorySegment s = threadHeap.allocate(size);
        s.set(ValueLayout.JAVA_LONG, 0, ++counter);
        threadHeap.free(s);
        return s.address();
    }

    @Benchmark
    public long jpymallocShared() {
        MemorySegment s = shared.allocate(size);
        s.set(ValueLayout.JAVA_LONG, 0, ++counter);
        shared.free(s);
        return s.address();
    }

    @Benchmark
    public long jpymallocSharedNoCache() {
        MemorySegment s = sharedNoCache.allocate(size);
        s.set(ValueLayout.JAVA_LONG, 0, ++counter);
        sharedNoCache.free(s);
        return s.address();
    }

    @Benchmark
    public long malloc() {
        MemorySegment s = libc.allocate(size);
        s.set(ValueLayout.JAVA_LONG, 0, ++counter);
        libc.free(s.address());
        return s.address();
    }

    @Benchmark
    public long mimalloc() {
        MemorySegment s = mimallocPeer().allocate(size);
        s.set(ValueLayout.JAVA_LONG, 0, ++counter);
        mimalloc.free(s.address());
        return s.address();
    }

    private NativePeers.CAllocator mimallocPeer() {
        if (mimalloc == null) {
            throw new IllegalStateException(mimallocMissing[0]);
        }
        return mimalloc;
    }
}
