package org.jpymalloc.bench.replay;

import org.jpymalloc.ArenaPolicy;
import org.jpymalloc.Geometry;

/**
 * An allocator to replay through: jpymalloc in a geometry, mode, retention and arena policy, or a C
 * allocator by name. The command line's names for them are {@code cli.AllocatorNames}'.
 *
 * @param name the name as given (jpymalloc names carry their {@code :spares=} and {@code :policy=} suffixes)
 * @param label the name in reports and messages
 * @param geometry the jpymalloc geometry, or null for a C allocator
 * @param mode how jpymalloc is called: confined, shared, or through a thread heap of a shared allocator
 * @param spareArenas jpymalloc's spare arenas, or -1 for the library's default
 * @param policy jpymalloc's arena policy
 */
public record AllocatorSpec(String name, String label, Geometry geometry, Mode mode, int spareArenas,
                            ArenaPolicy policy) {

    /** Which of jpymalloc's allocators the replay calls. */
    public enum Mode {
        /** {@code PyMalloc.ofConfined()}: one thread, no synchronisation. */
        CONFINED,
        /** {@code PyMalloc.ofShared()}, called directly: the implicit shared path (routing, owner bias). */
        SHARED,
        /** {@code PyMalloc.ofShared().threadHeap()}: the replaying thread's own heap of a shared allocator. */
        THREAD_HEAP
    }

    /** jpymalloc (or, with a null geometry, a C allocator) in the library's default retention and policy. */
    public AllocatorSpec(String name, Geometry geometry, boolean shared, int spareArenas) {
        this(name, name, geometry, shared ? Mode.SHARED : Mode.CONFINED, spareArenas, ArenaPolicy.CPYTHON);
    }

    /** Whether the allocator is a shared one (called directly or through a thread heap). */
    public boolean shared() {
        return mode != Mode.CONFINED;
    }

    /**
     * The same allocator with {@code spares} spares (jpymalloc only; C allocators are unchanged); the label
     * says so unless the name already did.
     */
    public AllocatorSpec withSpareArenas(int spares) {
        if (spares < -1) {
            throw new IllegalArgumentException("spare arenas must be >= 0, got " + spares);
        }
        if (!isJpymalloc()) {
            return this;
        }
        String newLabel = name.contains(":spares=") ? label : label + " spares=" + spares;
        return new AllocatorSpec(name, newLabel, geometry, mode, spares, policy);
    }

    public boolean isJpymalloc() {
        return geometry != null;
    }
}
