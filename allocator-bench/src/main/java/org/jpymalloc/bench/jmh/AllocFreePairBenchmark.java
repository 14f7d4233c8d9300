package org.jpymalloc.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.jpymalloc.LeakDetection;
import org.jpymalloc.PyMalloc;
import org.jpymalloc.bench.NativePeers;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.CompilerControl;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Question: what does one allocate, write one long, free round trip cost, per allocator, per size?
 *
 * <p>Every peer hands the caller something it can write through and then frees it: a
 * {@link MemorySegment} of the requested size (jpymalloc; malloc, mimalloc and tcmalloc wrapped with
 * {@code reinterpret}; a fresh confined {@link Arena}, which also zeroes the block), or a pooled direct
 * {@link ByteBuf} (Netty, its thread cache on for JMH's threads: {@link BenchmarkDefaults}). The address
 * rows ({@code jpymallocAddress}, {@code mallocRawAddress}) hand out a raw address and write through it.
 * C allocators are called through critical downcalls ({@link NativePeers}); {@code mallocPlainDowncall}
 * is glibc through plain downcalls, what a naive binding pays. The write keeps the memory honest: a result
 * no one touches could be optimised into less than an allocation. Each method spells its body out, so
 * that every peer has the same call shape: routing some of them through one helper method changed their
 * figures (one more inlining level against C2's budget; see docs/benchmarks.md), which is why the bodies
 * repeat.
 */
@State(Scope.Thread)
public class AllocFreePairBenchmark extends BenchmarkDefaults {

    @Param({"16", "64", "256", "512"})
    public int size;

    /**
     * Blocks of the same size each peer keeps live while the pairs run. With 1 (the steady state of any
     * program that holds objects of that size) the pair's pool stays in use; with 0 the heap is empty,
     * so pymalloc's pool empties on every free and is taken back on the next allocation (its worst case,
     * and CPython's too).
     */
    @Param({"1", "0"})
    public int resident;

    private MemorySegment residentPymalloc;
    private long residentLibc;
    private long residentMimalloc;
    private ByteBuf residentNetty;

    private PyMalloc pymalloc;
    private PyMalloc shared;
    private PyMalloc threadHeap;
    private MemorySegment residentThreadHeap;
    private PyMalloc tracking;
    private PyMalloc tracingAll;
    private PyMalloc tracingSampled;
    private MemorySegment residentTracking;
    private MemorySegment residentShared;
    private NativePeers.CAllocator libc;
    private NativePeers.CAllocator libcPlain;
    private NativePeers.CAllocator mimalloc;
    private NativePeers.CAllocator tcmalloc;
    private long residentTcmalloc;
    private long residentAddress;
    /** The whole address space, for the address rows' writes (a constant: its checks fold away). */
    private static final MemorySegment EVERYTHING = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private PooledByteBufAllocator netty;
    private long counter;

    @Setup(Level.Trial)
    public void setUp() {
        pymalloc = PyMalloc.ofConfined();
        shared = PyMalloc.ofShared();
        threadHeap = shared.threadHeap(); // JMH sets a thread-scoped state up on the thread that uses it
        tracking = PyMalloc.builder().trackRequestedBytes(true).build();
        tracingAll = PyMalloc.builder().tracing(10).atClose(LeakDetection.AtClose.IGNORE).build();
        tracingSampled = PyMalloc.builder().tracing(10).tracingSampling(100).atClose(LeakDetection.AtClose.IGNORE)
                .build();
        libc = NativePeers.libc();
        libcPlain = NativePeers.libc(NativePeers.Calling.PLAIN);
        mimalloc = NativePeers.mimalloc().orElse(null);
        tcmalloc = NativePeers.tcmalloc().orElse(null);
        netty = PooledByteBufAllocator.DEFAULT;
        if (resident > 0) {
            residentPymalloc = pymalloc.allocate(size);
            residentShared = shared.allocate(size);
            residentThreadHeap = threadHeap.allocate(size);
            residentTracking = tracking.allocate(size);
            tracingAll.allocate(size); // residents, freed by close() below
            tracingSampled.allocate(size);
            residentLibc = libc.malloc(size);
            residentMimalloc = mimalloc == null ? 0 : mimalloc.malloc(size);
            residentTcmalloc = tcmalloc == null ? 0 : tcmalloc.malloc(size);
            residentAddress = pymalloc.allocateAddress(size);
            residentNetty = netty.directBuffer(size);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (resident > 0) {
            pymalloc.free(residentPymalloc);
            shared.free(residentShared);
            threadHeap.free(residentThreadHeap);
            tracking.free(residentTracking);
            libc.free(residentLibc);
            if (mimalloc != null) {
                mimalloc.free(residentMimalloc);
            }
            if (tcmalloc != null) {
                tcmalloc.free(residentTcmalloc);
            }
            pymalloc.freeAddress(residentAddress);
            residentNetty.release();
        }
        pymalloc.close();
        threadHeap.close();
        shared.close();
        tracking.close();
        tracingAll.close();
        tracingSampled.close();
    }

    @Benchmark
    public long jpymalloc() {
        MemorySegment s = pymalloc.allocate(size);
        s.set(ValueLayout.JAVA_LONG, 0, ++counter);
        pymalloc.free(s);
        return s.address();
    }

    /**
     * The confined allocator keeping requested bytes ({@code trackRequestedBytes(true)}): the difference
     * from {@link #jpymalloc()} is what that bookkeeping costs.
     */
    @Benchmark
    public long jpymallocTrackingRequested() {
        MemorySegment s = tracking.allocate(size);
        s.set(ValueLayout.JAVA_LONG, 0, ++counter);
        tracking.free(s);
        return s.address();
    }

    /** The confined allocator with allocation-site tracing, 10 frames, every allocation traced. */
    @Benchmark
    public long jpymallocTracing() {
        MemorySegment s = tracingAll.allocate(size);
        s.set(ValueLayout.JAVA_LONG, 0, ++counter);
        tracingAll.free(s);
        return s.address();
    }

    /** The same, one allocation in 100 traced. */
    @Benchmark
    public long jpymallocTracingSampled() {
        MemorySegment s = tracingSampled.allocate(size);
        s.set(ValueLayout.JAVA_LONG, 0, ++counter);
        tracingSampled.free(s);
        return s.address();
    }

    /**
     * The thread-safe allocator on one thread, which owns its stripe (owner bias: no lock, no atomic
     * instruction): what thread safety costs over the confined allocator.
     */
    @Benchmark
    public long jpymallocShared() {
        MemorySegment s = shared.allocate(size);
        s.set(ValueLayout.JAVA_LONG, 0, ++counter);
        shared.free(s);
        return s.address();
    }

    /**
     * The thread-safe allocator through the benchmark thread's own thread heap ({@link PyMalloc#threadHeap()}):
     * no routing, the holder's handshake instead of a lock. Its peers are {@link #jpymalloc()} (the confined
     * allocator) and {@link #malloc()}.
     */
    @Benchmark
    public long jpymallocThreadHeap() {
        MemorySegment s = threadHeap.allocate(size);
        s.set(ValueLayout.JAVA_LONG, 0, ++counter);
        threadHeap.free(s);
        return s.address();
    }

    /**
     * The same with the owner bias off (in this method's own forks): every operation takes its stripe's
     * lock, as a stripe shared by several threads does.
     */
    @Benchmark
    @Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Djpymalloc.ownerBias=false"})
    public long jpymallocSharedLocked() {
        MemorySegment s = shared.allocate(size);
        s.set(ValueLayout.JAVA_LONG, 0, ++counter);
        shared.free(s);
        return s.address();
    }

    @Benchmark
    public long malloc() {
        MemorySegment s = libc.allocate(size);
        s.set(ValueLayout.JAVA_LONG, 0, ++counter);
        libc.free(s.address());
        return s.address();
    }

    /**
     * The confined pair as a caller that does not inline it sees it: the allocate-write-free body in a method
     * of its own that the JIT does not inline here, so that no load of the allocator's state can be hoisted
     * out of JMH's loop (a thread heap's handshake forbids that hoisting; a program whose allocations sit
     * among other calls does not get it either). Peers: {@link #jpymallocThreadHeapOutOfLine()},
     * {@link #mallocOutOfLine()}.
     */
    @Benchmark
    public long jpymallocOutOfLine() {
        return pairOutOfLine(pymalloc);
    }

    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    private long pairOutOfLine(PyMalloc allocator) {
        MemorySegment s = allocator.allocate(size);
        s.set(ValueLayout.JAVA_LONG, 0, ++counter);
        allocator.free(s);
        return s.address();
    }

    /** {@link #jpymallocOutOfLine()} through the thread heap (a method of its own: one receiver type each). */
    @Benchmark
    public long jpymallocThreadHeapOutOfLine() {
        return threadHeapPairOutOfLine(threadHeap);
    }

    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    private long threadHeapPairOutOfLine(PyMalloc allocator) {
        MemorySegment s = allocator.allocate(size);
        s.set(ValueLayout.JAVA_LONG, 0, ++counter);
        allocator.free(s);
        return s.address();
    }

    /** {@link #jpymallocOutOfLine()} through the shared allocator, routed implicitly (no thread heap). */
    @Benchmark
    public long jpymallocSharedOutOfLine() {
        return sharedPairOutOfLine(shared);
    }

    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    private long sharedPairOutOfLine(PyMalloc allocator) {
        MemorySegment s = allocator.allocate(size);
        s.set(ValueLayout.JAVA_LONG, 0, ++counter);
        allocator.free(s);
        return s.address();
    }

    /** {@link #malloc()} out of line, the peer of {@link #jpymallocOutOfLine()}. */
    @Benchmark
    public long mallocOutOfLine() {
        return mallocPairOutOfLine(libc);
    }

    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    private long mallocPairOutOfLine(NativePeers.CAllocator allocator) {
        MemorySegment s = allocator.allocate(size);
        s.set(ValueLayout.JAVA_LONG, 0, ++counter);
        allocator.free(s.address());
        return s.address();
    }

    /** glibc through plain downcalls: what a naive binding pays (a thread-state transition per call). */
    @Benchmark
    public long mallocPlainDowncall() {
        MemorySegment s = libcPlain.allocate(size);
        s.set(ValueLayout.JAVA_LONG, 0, ++counter);
        libcPlain.free(s.address());
        return s.address();
    }

    /** The address API: no segment made; the write goes through a raw address, as its users write. */
    @Benchmark
    public long jpymallocAddress() {
        long address = pymalloc.allocateAddress(size);
        EVERYTHING.set(ValueLayout.JAVA_LONG, address, ++counter);
        pymalloc.freeAddress(address);
        return address;
    }

    /** The address API through the benchmark thread's thread heap. */
    @Benchmark
    public long jpymallocThreadHeapAddress() {
        long address = threadHeap.allocateAddress(size);
        EVERYTHING.set(ValueLayout.JAVA_LONG, address, ++counter);
        threadHeap.freeAddress(address);
        return address;
    }

    /** glibc's peer of {@link #jpymallocAddress()}: addresses only. */
    @Benchmark
    public long mallocRawAddress() {
        long address = libc.malloc(size);
        EVERYTHING.set(ValueLayout.JAVA_LONG, address, ++counter);
        libc.free(address);
        return address;
    }

    @Benchmark
    public long mimalloc() {
        MemorySegment s = mimallocPeer().allocate(size);
        s.set(ValueLayout.JAVA_LONG, 0, ++counter);
        mimalloc.free(s.address());
        return s.address();
    }

    @Benchmark
    public long tcmalloc() {
        MemorySegment s = tcmallocPeer().allocate(size);
        s.set(ValueLayout.JAVA_LONG, 0, ++counter);
        tcmalloc.free(s.address());
        return s.address();
    }

    @Benchmark
    public long arenaOfConfined() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(size);
            s.set(ValueLayout.JAVA_LONG, 0, ++counter);
            return s.address();
        }
    }

    @Benchmark
    public int nettyPooledDirect() {
        ByteBuf buf = netty.directBuffer(size);
        buf.setLong(0, ++counter);
        int capacity = buf.capacity();
        buf.release();
        return capacity;
    }

    private NativePeers.CAllocator tcmallocPeer() {
        if (tcmalloc == null) {
            throw new IllegalStateException("libtcmalloc_minimal.so.4 is not installed (apt-get install libtcmalloc-minimal4)");
        }
        return tcmalloc;
    }

    private NativePeers.CAllocator mimallocPeer() {
        if (mimalloc == null) {
            throw new IllegalStateException("libmimalloc.so.2 is not installed (apt-get install libmimalloc2.0)");
        }
        return mimalloc;
    }
}
