package org.jpymalloc;

import java.time.Duration;

/**
 * The values a {@link PyMalloc.Builder} collected (each validated by its setter) and the assembly of an
 * allocator from them: the core allocator, then its decorators (debug hooks, tracing) and its JFR event.
 */
final class AllocatorSettings {

    Geometry geometry = Geometry.CPYTHON_3_9;
    ArenaPolicy arenaPolicy = ArenaPolicy.CPYTHON;
    boolean shared;
    /** -1: not set. */
    int spareArenas = -1;
    /** null: not set. */
    Duration arenaDecay;
    LeakDetection.Level leakDetection;
    LeakDetection.Listener leakListener;
    LeakDetection.AtClose atClose;
    long maxBytes = MemoryBudget.UNLIMITED;
    /** -1: not set (shared: {@link SystemBlockCache#DEFAULT_MAX_CACHED_BYTES}; confined: none). */
    long systemBlockCache = -1;
    boolean debugHooks;
    boolean trackRequestedBytes;
    int tracingFrames;
    int tracingSampling = 1;
    String jfrName;

    /** The allocator these settings describe; see {@link PyMalloc.Builder#build()}. */
    PyMalloc build() {
        if (tracingFrames == 0 && tracingSampling != 1) {
            throw new IllegalArgumentException("tracingSampling(" + tracingSampling + ") needs tracing(frames)");
        }
        ArenaRetention retention = retention();
        HandleSettings handles = new HandleSettings(
                leakDetection != null ? leakDetection : LeakDetection.Level.fromSystemProperty(), leakListener,
                atClose != null ? atClose : LeakDetection.AtClose.fromSystemProperty());
        MemoryBudget budget = new MemoryBudget(maxBytes);
        PyMalloc allocator = shared
                ? new SharedAllocator(geometry, Stripes.defaultCount(), retention, arenaPolicy, handles, budget,
                        trackRequestedBytes, Stripes.defaultBiasQuietOps(),
                        systemBlockCache >= 0 ? systemBlockCache : SystemBlockCache.DEFAULT_MAX_CACHED_BYTES)
                : new ConfinedAllocator(geometry, retention, arenaPolicy, handles, budget, trackRequestedBytes,
                        Math.max(systemBlockCache, 0));
        if (debugHooks) {
            allocator = new DebugHooks(allocator, handles);
        }
        if (tracingFrames > 0) {
            allocator = new TracingAllocator(allocator, handles, new AllocationTracer(tracingFrames, tracingSampling));
        }
        if (jfrName != null) {
            JfrEvents.register(allocator, jfrName);
        }
        return allocator;
    }

    /** Spares alone: kept until reused; a decay alone: as many as emptied, each for the decay; both: both limits. */
    private ArenaRetention retention() {
        if (arenaDecay == null) {
            return spareArenas >= 0 ? ArenaRetention.spares(spareArenas) : ArenaRetention.defaults();
        }
        ArenaRetention decaying = ArenaRetention.decaying(arenaDecay);
        return new ArenaRetention(spareArenas >= 0 ? spareArenas : decaying.maxArenas(), decaying.decayNanos());
    }
}
