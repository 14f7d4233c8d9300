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
 * @param shared jpymalloc's shared (thread-safe) mode
 * @param spareArenas jpymalloc's spare arenas, or -1 for the library's default
 * @param policy jpymalloc's arena policy
 */
public record AllocatorSpec(String name, String label, Geometry geometry, boolean shared, int spareArenas,
                            ArenaPolicy policy) {

    /** jpymalloc (or, with a null geometry, a C allocator) in the library's default retention and policy. */
    public AllocatorSpec(String name, Geometry geometry, boolean shared, int spareArenas) {
        this(name, name, geometry, shared, spareArenas, ArenaPolicy.CPYTHON);
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
        return new AllocatorSpec(name, newLabel, geometry, shared, spares, policy);
    }

    public boolean isJpymalloc() {
        return geometry != null;
    }
}
