package org.jpymalloc;

import java.util.function.Supplier;

/**
 * Snapshots for observers on other threads (JMX, JFR): a shared allocator takes one on demand; a confined
 * one can only be walked by its owner, so observers get the last snapshot its owner took (every
 * {@code stats()} call publishes one) or the one taken at close.
 */
final class Snapshots {

    private Snapshots() {
    }

    /** A source of snapshots safe to call from any thread; it answers null while none is available. */
    static Supplier<MallocStats> of(PyMalloc allocator) {
        return switch (allocator) {
            case SharedAllocator shared -> shared::stats;
            case ConfinedAllocator confined -> confined::published;
            case Decorator decorator -> of(decorator.inner);
            case ThreadHeap threadHeap -> threadHeap.shared()::stats;
            case DecoratedThreadHeap threadHeap -> threadHeap::stats;
        };
    }
}
