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

    void mapped() {
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
}
