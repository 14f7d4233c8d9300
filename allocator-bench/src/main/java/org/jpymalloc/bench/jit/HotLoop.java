package org.jpymalloc.bench.jit;

import org.jpymalloc.PyMalloc;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A plain allocate-write-free loop, with one other block of the size live, for reading what C2 makes of
 * the allocator's hot path outside JMH: {@code allocator-bench/scripts/hot-path-budget.sh} runs it with
 * a compilation log and prints the entry points' compiled sizes against {@code InlineSmallCode}
 * (docs/design.md, "Performance notes"). Not a benchmark: it prints a checksum, not a time.
 *
 * <pre>java -cp jpymalloc-bench.jar org.jpymalloc.bench.jit.HotLoop confined|threadHeap|shared [size]</pre>
 */
public final class HotLoop {

    private HotLoop() {
    }

    public static void main(String[] args) {
        if (args.length < 1 || args.length > 2) {
            throw new IllegalArgumentException("usage: HotLoop confined|threadHeap|shared [size]");
        }
        long size = args.length > 1 ? Long.parseLong(args[1]) : 64;
        if (size <= 0) {
            throw new IllegalArgumentException("size must be positive: " + size);
        }
        try (PyMalloc shared = PyMalloc.ofShared()) {
            switch (args[0]) {
                case "confined" -> {
                    try (PyMalloc confined = PyMalloc.ofConfined()) {
                        run(confined, size);
                    }
                }
                case "threadHeap" -> {
                    try (PyMalloc threadHeap = shared.threadHeap()) {
                        run(threadHeap, size);
                    }
                }
                case "shared" -> run(shared, size);
                default -> throw new IllegalArgumentException("mode must be confined, threadHeap or shared: "
                        + args[0]);
            }
        }
    }

    /** The loop itself: 20 million allocate-write-free pairs beside one resident block of the size. */
    private static void run(PyMalloc allocator, long size) {
        MemorySegment resident = allocator.allocate(size);
        long sum = 0;
        for (int round = 0; round < 200; round++) {
            for (int i = 0; i < 100_000; i++) {
                MemorySegment s = allocator.allocate(size);
                s.set(ValueLayout.JAVA_LONG, 0, i);
                allocator.free(s);
                sum += s.address();
            }
        }
        allocator.free(resident);
        System.out.println("checksum " + sum);
    }
}
