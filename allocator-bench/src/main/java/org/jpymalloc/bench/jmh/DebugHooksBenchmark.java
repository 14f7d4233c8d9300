package org.jpymalloc.bench.jmh;

import org.jpymalloc.LeakDetection;
import org.jpymalloc.PyMalloc;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Question: what do the debug hooks cost (guards written and checked, fills, quarantine, a lock) on the
 * allocate + write + free pair, against the same allocator without them? Steady state: one block of the
 * size stays live in each.
 */
@State(Scope.Thread)
public class DebugHooksBenchmark extends BenchmarkDefaults {

    @Param({"64", "512"})
    public int size;

    private PyMalloc plain;
    private PyMalloc debug;
    private MemorySegment residentPlain;
    private MemorySegment residentDebug;
    private long counter;

    @Setup(Level.Trial)
    public void setUp() {
        plain = PyMalloc.ofConfined();
        debug = PyMalloc.builder().debugHooks(true).atClose(LeakDetection.AtClose.IGNORE).build();
        residentPlain = plain.allocate(size);
        residentDebug = debug.allocate(size);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        plain.free(residentPlain);
        plain.close();
        debug.close();
    }

    @Benchmark
    public long plain() {
        MemorySegment s = plain.allocate(size);
        s.set(ValueLayout.JAVA_LONG, 0, counter++);
        long address = s.address();
        plain.free(s);
        return address;
    }

    @Benchmark
    public long debugHooks() {
        MemorySegment s = debug.allocate(size);
        s.set(ValueLayout.JAVA_LONG, 0, counter++);
        long address = s.address();
        debug.free(s);
        return address;
    }
}
