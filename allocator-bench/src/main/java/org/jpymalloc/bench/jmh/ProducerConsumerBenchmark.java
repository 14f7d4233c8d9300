package org.jpymalloc.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.jpymalloc.PyMalloc;
import org.jpymalloc.bench.NativePeers;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Control;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Question: when one thread allocates and another frees (a pipeline handing buffers downstream), how
 * many blocks per microsecond go through? Each group is a producer that allocates a block, writes one
 * long and hands it over a bounded single-producer single-consumer ring, and a consumer that takes it
 * and frees it. <b>Read the producer's figure</b> ({@code :produce...}): the ring is bounded, so the
 * producer runs at the pipeline's pace; the consumer's count includes polls of an empty ring.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ProducerConsumerBenchmark extends BenchmarkDefaults {

    /**
     * A bounded SPSC ring of objects: the producer spins while it is full. Built so that the ring costs
     * as little as a ring can and the allocators' cost shows: the two indices, and each side's cached
     * copy of the other's index, lie 128 bytes apart in one array (no false sharing, whatever the GC
     * does), and each side reads the other's index only when its cached copy says full or empty.
     */
    static final class Ring {
        private static final int CAPACITY = 1024;
        private static final VarHandle INDEX = MethodHandles.arrayElementVarHandle(long[].class);
        private static final int HEAD = 16;          // next to take; written by the consumer
        private static final int TAIL = 32;          // next to fill; written by the producer
        private static final int HEAD_SEEN = 48;     // the producer's copy of HEAD
        private static final int TAIL_SEEN = 64;     // the consumer's copy of TAIL
        private final Object[] slots = new Object[CAPACITY];
        private final long[] indices = new long[80];

        /**
         * Puts an item, spinning while the ring is full; gives up (false) once JMH ends the iteration,
         * because the consumer may already have stopped.
         */
        boolean put(Object item, Control control) {
            long t = indices[TAIL];
            if (t - indices[HEAD_SEEN] == CAPACITY) {
                while (t - (indices[HEAD_SEEN] = (long) INDEX.getAcquire(indices, HEAD)) == CAPACITY) {
                    if (control.stopMeasurement) {
                        return false;
                    }
                    Thread.onSpinWait();
                }
            }
            slots[(int) (t & (CAPACITY - 1))] = item;
            INDEX.setRelease(indices, TAIL, t + 1);
            return true;
        }

        Object poll() {
            long h = indices[HEAD];
            if (h == indices[TAIL_SEEN] && h == (indices[TAIL_SEEN] = (long) INDEX.getAcquire(indices, TAIL))) {
                return null;
            }
            int i = (int) (h & (CAPACITY - 1));
            Object item = slots[i];
            slots[i] = null;
            INDEX.setRelease(indices, HEAD, h + 1);
            return item;
        }

        void drain(Consumer<Object> free) {
            for (Object o; (o = poll()) != null; ) {
                free.accept(o);
            }
        }
    }

    @State(Scope.Group)
    public static class Pipeline {
        @Param({"64"})
        public int size;

        final Ring ring = new Ring();
        PyMalloc shared;
        NativePeers.CAllocator libc;
        NativePeers.CAllocator mimalloc;
        PooledByteBufAllocator netty;
        long counter;

        @Setup(Level.Trial)
        public void setUp() {
            shared = PyMalloc.ofShared();
            libc = NativePeers.libc();
            mimalloc = NativePeers.mimalloc().orElseThrow(() -> new IllegalStateException("libmimalloc.so.2 missing"));
            netty = PooledByteBufAllocator.DEFAULT;
        }

        @TearDown(Level.Iteration)
        public void drain() {
            ring.drain(o -> {
                switch (o) {
                    case MemorySegment s -> shared.free(s);
                    case Long address -> libc.free(address);
                    case MimallocBlock b -> mimalloc.free(b.address());
                    case ByteBuf buf -> buf.release();
                    default -> throw new IllegalStateException("unexpected " + o);
                }
            });
        }

        /** Raised before the shared allocator closes (see ProducerHeap.tearDown). */
        volatile boolean closing;

        @TearDown(Level.Trial)
        public void tearDown() {
            closing = true;
            shared.close();
        }
    }

    record MimallocBlock(long address) {
    }

    /** The producer's thread heap, opened on the producer's thread. */
    @State(Scope.Thread)
    public static class ProducerHeap {
        PyMalloc heap;
        Pipeline pipeline;

        @Setup(Level.Trial)
        public void setUp(Pipeline p) {
            pipeline = p;
            heap = p.shared.threadHeap();
        }

        /**
         * JMH may run the group's tear-down first, on this thread: closing the shared allocator closes
         * every thread heap, and this close then rightly throws. Any other failure still fails the trial
         * (before, it cost each thread-heap fork its last measured iteration).
         */
        @TearDown(Level.Trial)
        public void tearDown() {
            try {
                heap.close();
            } catch (IllegalStateException e) {
                if (!pipeline.closing) {
                    throw e;
                }
            }
        }
    }

    /**
     * The producer allocates through a thread heap of its own; the consumer frees through the shared
     * allocator (each block goes back to the producer's heap as a remote free). The bodies repeat the
     * group below on purpose (see AllocFreePairBenchmark).
     */
    @Benchmark
    @Group("jpymallocThreadHeap")
    @GroupThreads(1)
    public void produceJpymallocThreadHeap(Pipeline p, ProducerHeap h, Control control) {
        MemorySegment s = h.heap.allocate(p.size);
        s.set(ValueLayout.JAVA_LONG, 0, ++p.counter);
        if (!p.ring.put(s, control)) {
            h.heap.free(s);
        }
    }

    @Benchmark
    @Group("jpymallocThreadHeap")
    @GroupThreads(1)
    public void consumeJpymallocThreadHeap(Pipeline p) {
        if (p.ring.poll() instanceof MemorySegment s) {
            p.shared.free(s);
        }
    }

    @Benchmark
    @Group("jpymallocShared")
    @GroupThreads(1)
    public void produceJpymalloc(Pipeline p, Control control) {
        MemorySegment s = p.shared.allocate(p.size);
        s.set(ValueLayout.JAVA_LONG, 0, ++p.counter);
        if (!p.ring.put(s, control)) {
            p.shared.free(s);
        }
    }

    @Benchmark
    @Group("jpymallocShared")
    @GroupThreads(1)
    public void consumeJpymalloc(Pipeline p) {
        if (p.ring.poll() instanceof MemorySegment s) {
            p.shared.free(s);
        }
    }

    /**
     * The same pipeline with the stripes' owner bias off (its own forks): every operation locks. The
     * bodies repeat the group above on purpose: every group spells its body out, so that all have the
     * same call shape for the JIT (see AllocFreePairBenchmark).
     */
    @Benchmark
    @Group("jpymallocSharedLocked")
    @GroupThreads(1)
    @Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Djpymalloc.ownerBias=false"})
    public void produceJpymallocLocked(Pipeline p, Control control) {
        MemorySegment s = p.shared.allocate(p.size);
        s.set(ValueLayout.JAVA_LONG, 0, ++p.counter);
        if (!p.ring.put(s, control)) {
            p.shared.free(s);
        }
    }

    @Benchmark
    @Group("jpymallocSharedLocked")
    @GroupThreads(1)
    @Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Djpymalloc.ownerBias=false"})
    public void consumeJpymallocLocked(Pipeline p) {
        if (p.ring.poll() instanceof MemorySegment s) {
            p.shared.free(s);
        }
    }

    @Benchmark
    @Group("malloc")
    @GroupThreads(1)
    public void produceMalloc(Pipeline p, Control control) {
        MemorySegment s = p.libc.allocate(p.size);
        s.set(ValueLayout.JAVA_LONG, 0, ++p.counter);
        if (!p.ring.put(s.address(), control)) {
            p.libc.free(s.address());
        }
    }

    @Benchmark
    @Group("malloc")
    @GroupThreads(1)
    public void consumeMalloc(Pipeline p) {
        if (p.ring.poll() instanceof Long address) {
            p.libc.free(address);
        }
    }

    @Benchmark
    @Group("mimalloc")
    @GroupThreads(1)
    public void produceMimalloc(Pipeline p, Control control) {
        MemorySegment s = p.mimalloc.allocate(p.size);
        s.set(ValueLayout.JAVA_LONG, 0, ++p.counter);
        if (!p.ring.put(new MimallocBlock(s.address()), control)) {
            p.mimalloc.free(s.address());
        }
    }

    @Benchmark
    @Group("mimalloc")
    @GroupThreads(1)
    public void consumeMimalloc(Pipeline p) {
        if (p.ring.poll() instanceof MimallocBlock b) {
            p.mimalloc.free(b.address());
        }
    }

    @Benchmark
    @Group("nettyPooledDirect")
    @GroupThreads(1)
    public void produceNetty(Pipeline p, Control control) {
        ByteBuf buf = p.netty.directBuffer(p.size);
        buf.setLong(0, ++p.counter);
        if (!p.ring.put(buf, control)) {
            buf.release();
        }
    }

    @Benchmark
    @Group("nettyPooledDirect")
    @GroupThreads(1)
    public void consumeNetty(Pipeline p) {
        if (p.ring.poll() instanceof ByteBuf buf) {
            buf.release();
        }
    }
}
