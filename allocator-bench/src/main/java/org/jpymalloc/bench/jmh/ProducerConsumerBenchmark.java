package org.jpymalloc.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.jpymalloc.PyMalloc;
import org.jpymalloc.bench.NativePeers;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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

    /** A bounded SPSC ring of objects: the producer spins while it is full. */
    static final class Ring {
        private static final int CAPACITY = 1024;
        private final Object[] slots = new Object[CAPACITY];
        private final AtomicLong head = new AtomicLong();  // next to take
        private final AtomicLong tail = new AtomicLong();  // next to fill

        /**
         * Puts an item, spinning while the ring is full; gives up (false) once JMH ends the iteration,
         * because the consumer may already have stopped.
         */
        boolean put(Object item, Control control) {
            long t = tail.get();
            while (t - head.get() == CAPACITY) {
                if (control.stopMeasurement) {
                    return false;
                }
                Thread.onSpinWait();
            }
            slots[(int) (t & (CAPACITY - 1))] = item;
            tail.lazySet(t + 1);
            return true;
        }

        Object poll() {
            long h = head.get();
            if (h == tail.get()) {
                return null;
            }
            int i = (int) (h & (CAPACITY - 1));
            Object item = slots[i];
            slots[i] = null;
            head.lazySet(h + 1);
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

        @TearDown(Level.Trial)
        public void tearDown() {
            shared.close();
        }
    }

    record MimallocBlock(long address) {
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
