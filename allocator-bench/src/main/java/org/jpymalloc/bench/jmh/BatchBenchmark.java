package org.jpymalloc.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.jpymalloc.PyMalloc;
import org.jpymalloc.bench.NativePeers;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Question: with 1,000 blocks live at once, what does each allocation plus its later free cost? Each
 * invocation allocates {@value #BATCH} blocks (writing one long into each), keeps them in an array, then
 * frees them in the same order; the figure is per allocate+free pair. C allocators through critical
 * downcalls; the address rows keep raw addresses ({@code jpymallocAddress}, {@code mallocRawAddress}).
 */
@State(Scope.Thread)
public class BatchBenchmark extends BenchmarkDefaults {

    static final int BATCH = 1000;

    @Param({"16", "64", "256", "512"})
    public int size;

    private PyMalloc pymalloc;
    private NativePeers.CAllocator libc;
    private NativePeers.CAllocator mimalloc;
    private NativePeers.CAllocator tcmalloc;
    private PooledByteBufAllocator netty;
    private final MemorySegment[] segments = new MemorySegment[BATCH];
    private final long[] addresses = new long[BATCH];
    private static final MemorySegment EVERYTHING = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private final Arena[] arenas = new Arena[BATCH];
    private final ByteBuf[] buffers = new ByteBuf[BATCH];

    @Setup(Level.Trial)
    public void setUp() {
        pymalloc = PyMalloc.ofConfined();
        libc = NativePeers.libc();
        mimalloc = NativePeers.mimalloc()
                .orElseThrow(() -> new IllegalStateException("libmimalloc.so.2 is not installed"));
        tcmalloc = NativePeers.tcmalloc()
                .orElseThrow(() -> new IllegalStateException("libtcmalloc_minimal.so.4 is not installed"));
        netty = PooledByteBufAllocator.DEFAULT;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pymalloc.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long jpymalloc() {
        for (int i = 0; i < BATCH; i++) {
            MemorySegment s = pymalloc.allocate(size);
            s.set(ValueLayout.JAVA_LONG, 0, i);
            segments[i] = s;
        }
        long sum = 0;
        for (int i = 0; i < BATCH; i++) {
            sum += segments[i].address();
            pymalloc.free(segments[i]);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long jpymallocAddress() {
        for (int i = 0; i < BATCH; i++) {
            long address = pymalloc.allocateAddress(size);
            EVERYTHING.set(ValueLayout.JAVA_LONG, address, i);
            addresses[i] = address;
        }
        long sum = 0;
        for (int i = 0; i < BATCH; i++) {
            sum += addresses[i];
            pymalloc.freeAddress(addresses[i]);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long mallocRawAddress() {
        for (int i = 0; i < BATCH; i++) {
            long address = libc.malloc(size);
            EVERYTHING.set(ValueLayout.JAVA_LONG, address, i);
            addresses[i] = address;
        }
        long sum = 0;
        for (int i = 0; i < BATCH; i++) {
            sum += addresses[i];
            libc.free(addresses[i]);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long malloc() {
        return cBatch(libc);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long tcmalloc() {
        return cBatch(tcmalloc);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long mimalloc() {
        return cBatch(mimalloc);
    }

    private long cBatch(NativePeers.CAllocator c) {
        for (int i = 0; i < BATCH; i++) {
            MemorySegment s = c.allocate(size);
            s.set(ValueLayout.JAVA_LONG, 0, i);
            segments[i] = s;
        }
        long sum = 0;
        for (int i = 0; i < BATCH; i++) {
            sum += segments[i].address();
            c.free(segments[i].address());
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long arenaOfConfined() {
        for (int i = 0; i < BATCH; i++) {
            Arena arena = Arena.ofConfined();
            MemorySegment s = arena.allocate(size);
            s.set(ValueLayout.JAVA_LONG, 0, i);
            arenas[i] = arena;
            segments[i] = s;
        }
        long sum = 0;
        for (int i = 0; i < BATCH; i++) {
            sum += segments[i].address();
            arenas[i].close();
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long nettyPooledDirect() {
        for (int i = 0; i < BATCH; i++) {
            ByteBuf buf = netty.directBuffer(size);
            buf.setLong(0, i);
            buffers[i] = buf;
        }
        long sum = 0;
        for (int i = 0; i < BATCH; i++) {
            sum += buffers[i].capacity();
            buffers[i].release();
        }
        return sum;
    }
}
