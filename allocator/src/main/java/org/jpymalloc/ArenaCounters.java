package org.jpymalloc;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Arena counters of one allocator, shared by all its heaps (CPython's {@code ntimes_arena_allocated},
 * {@code narenas_currently_allocated}, {@code narenas_highwater}). Updated only when an arena is mapped
 * or unmapped, so atomics cost nothing measurable, and the high-water mark is exact across heaps.
 */
final class ArenaCounters {

    private final AtomicLong allocatedTotal = new AtomicLong();
    private final AtomicInteger current = new AtomicInteger();
    private final AtomicInteger highwater = new AtomicInteger();
    private final RadixTreeNodes radixTreeNodes;

    ArenaCounters(Geometry geometry) {
        this.radixTreeNodes = new RadixTreeNodes(geometry);
    }

    /** An arena mapped at {@code base}. */
    void mapped(long base) {
        radixTreeNodes.arenaMapped(base);
        allocatedTotal.incrementAndGet();
        highwater.accumulateAndGet(current.incrementAndGet(), Math::max);
    }

    void unmapped() {
        current.decrementAndGet();
    }

    long allocatedTotal() {
        return allocatedTotal.get();
    }

    int current() {
        return current.get();
    }

    int highwater() {
        return highwater.get();
    }

    /** What CPython 3.10+'s arena map would hold for the arenas mapped ({@link RadixTreeNodes}). */
    RadixTreeNodes radixTreeNodes() {
        return radixTreeNodes;
    }
}
