package org.jpymalloc;

import java.util.ArrayDeque;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Freed system blocks of a shared allocator, kept with their scopes to serve again: closing a shared JDK
 * arena is a handshake with every JVM thread (tens of microseconds here, docs/design.md), so a shared
 * {@link SystemPath} that closed a scope per free paid that on every free of a block over the small
 * request threshold. A cached block's memory stays the allocator's, mapped and reachable through its old
 * segments (as a freed pool block's does, until its arena is unmapped); {@code release} closes its scope,
 * then gives its memory back to the C library, when it leaves the cache, so no segment ever reaches memory
 * the C library took back.
 *
 * <p>Blocks are asked of the C library at a {@link #capacityFor capacity}: the request rounded up to one
 * of four steps per power of two (at most a quarter more), so that a freed block serves any request of
 * its step. Only blocks with malloc's own alignment and at most {@code maxBlockBytes} are cached; the
 * cache holds at most {@code maxCachedBytes} (a block freed beyond that is released at once), and a block
 * cached for {@code decayNanos} is released by the next sweep, which frees make at most once per half
 * decay: so within one and a half decays of its free if system blocks are freed (as retained arenas
 * decay: {@link ArenaRetention}; an allocator that frees none keeps them until {@link PyMalloc#trim()}).
 * Only a free reads the clock: a cache that only serves does not grow. {@link #drain} empties it (trim, close, a memory limit).
 * Not thread-safe: the system path's lock guards it.
 */
final class SystemBlockCache {

    private final long maxBlockBytes;
    private final long maxCachedBytes;
    private final long decayNanos;
    private final LongSupplier clock;
    private final Consumer<SystemPath.Block> release;
    /** Per capacity ({@link #stepIndex}), the cached blocks, oldest first; null until one is cached. */
    private final ArrayDeque<Cached>[] byCapacity;
    private long cachedBytes;
    private int cachedBlocks;
    private long lastSweep;

    private record Cached(SystemPath.Block block, long since) {
    }

    /**
     * @param maxBlockBytes the largest capacity cached
     * @param maxCachedBytes the most bytes held in freed blocks
     * @param decayNanos how long a freed block may wait to serve again
     * @param clock nanoseconds, as {@link System#nanoTime()}
     * @param release gives a block back: closes its scope, then frees its memory
     */
    SystemBlockCache(long maxBlockBytes, long maxCachedBytes, long decayNanos, LongSupplier clock,
                     Consumer<SystemPath.Block> release) {
        if (maxBlockBytes < 0 || maxCachedBytes < 0 || decayNanos < 0) {
            throw new IllegalArgumentException("cache bounds must be >= 0: " + maxBlockBytes + " bytes per block, "
                    + maxCachedBytes + " bytes, " + decayNanos + " ns");
        }
        this.maxBlockBytes = maxBlockBytes;
        this.maxCachedBytes = maxCachedBytes;
        this.decayNanos = decayNanos;
        this.clock = clock;
        this.release = release;
        this.lastSweep = clock.getAsLong();
        @SuppressWarnings("unchecked")
        ArrayDeque<Cached>[] lists = new ArrayDeque[stepIndex(Math.max(16, roundUp(maxBlockBytes))) + 1];
        this.byCapacity = lists;
    }

    /**
     * The capacity a block of {@code byteSize} bytes is asked at, if a block that size is cached (malloc's
     * alignment, at most {@code maxBlockBytes} once rounded); else {@code byteSize} itself. Rounded up to
     * a multiple of a quarter of the power of two below it: 513 → 640, 1,025 → 1,280, 4,000 → 4,096.
     */
    long capacityFor(long byteSize, long alignment) {
        long capacity = byteSize <= 0 ? 0 : roundUp(byteSize);
        return cacheable(capacity, alignment) ? capacity : byteSize;
    }

    /** Whether a block of {@code capacity} bytes at {@code alignment} is one this cache keeps. */
    private boolean cacheable(long capacity, long alignment) {
        return alignment <= SystemPath.MALLOC_ALIGNMENT && capacity > 0 && capacity <= maxBlockBytes
                && roundUp(capacity) == capacity;
    }

    /**
     * The position of a capacity among the steps: 16 is 0, then four per power of two (20, 24, 28, 32 are 1
     * to 4; 40, 48, 56, 64 are 5 to 8...), so that the cache's lists are an array, not a map.
     */
    static int stepIndex(long capacity) {
        if (capacity <= 16) {
            return 0;
        }
        int shift = 63 - Long.numberOfLeadingZeros(capacity - 1);
        int multiple = (int) (capacity >>> (shift - 2)); // 5 to 8
        return 1 + 4 * (shift - 4) + multiple - 5;
    }

    static long roundUp(long byteSize) {
        if (byteSize <= 16) {
            return 16;
        }
        int shift = 63 - Long.numberOfLeadingZeros(byteSize - 1);
        long step = 1L << (shift - 2);
        return (byteSize + step - 1) & -step;
    }

    /**
     * A cached block of {@code capacity} bytes ({@link #capacityFor}), now out of the cache: the one freed
     * last. Null if none, or if a block of that capacity and alignment is not one the cache keeps.
     */
    SystemPath.Block take(long capacity, long alignment) {
        ArrayDeque<Cached> blocks = cacheable(capacity, alignment) ? byCapacity[stepIndex(capacity)] : null;
        Cached cached = blocks == null ? null : blocks.pollLast();
        if (cached == null) {
            return null;
        }
        cachedBytes -= capacity;
        cachedBlocks--;
        return cached.block();
    }

    /**
     * Keeps a freed block to serve again; false (nothing kept: the caller releases it) if it is not
     * cacheable or the cache is full.
     */
    boolean offer(SystemPath.Block block) {
        long now = clock.getAsLong();
        decay(now);
        long capacity = block.capacity();
        if (!cacheable(capacity, block.byteAlignment()) || capacity > maxCachedBytes - cachedBytes) {
            return false;
        }
        int index = stepIndex(capacity);
        if (byCapacity[index] == null) {
            byCapacity[index] = new ArrayDeque<>();
        }
        byCapacity[index].addLast(new Cached(block, now));
        cachedBytes += capacity;
        cachedBlocks++;
        return true;
    }

    /**
     * Releases the blocks cached for longer than the decay; at most once per half decay, so that a busy
     * system path pays a walk of the cache at most twice per decay period.
     */
    private void decay(long now) {
        if (now - lastSweep < decayNanos / 2 || cachedBlocks == 0) {
            return;
        }
        lastSweep = now;
        for (ArrayDeque<Cached> blocks : byCapacity) {
            while (blocks != null && !blocks.isEmpty() && now - blocks.peekFirst().since() >= decayNanos) {
                Cached stale = blocks.pollFirst();
                cachedBytes -= stale.block().capacity();
                cachedBlocks--;
                release.accept(stale.block());
            }
        }
    }

    /** Empties the cache, releasing every block; answers how many. */
    int drain() {
        int drained = cachedBlocks;
        for (ArrayDeque<Cached> blocks : byCapacity) {
            if (blocks != null) {
                blocks.forEach(cached -> release.accept(cached.block()));
                blocks.clear();
            }
        }
        cachedBytes = 0;
        cachedBlocks = 0;
        return drained;
    }

    long cachedBytes() {
        return cachedBytes;
    }

    int cachedBlocks() {
        return cachedBlocks;
    }
}
