package org.jpymalloc;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Freed system blocks of a shared allocator, kept with their scopes to serve again: closing a shared JDK
 * arena is a handshake with every JVM thread (tens of microseconds here, docs/benchmarks.md), so a shared
 * {@link SystemPath} that closed a scope per free paid that on every free of a block over the small
 * request threshold. A cached block's memory stays the allocator's, mapped and reachable through its old
 * segments (as a freed pool block's does, until its arena is unmapped); its scope is closed, and its
 * memory given back to the C library, when it leaves the cache ({@link #drain}: trim, close, or the cache
 * full), so no segment ever reaches memory the C library took back.
 *
 * <p>Blocks are asked of the C library at a {@link #capacityFor capacity}: the request rounded up to one
 * of four steps per power of two (at most a quarter more), so that a freed block serves any request of
 * its step. Only blocks with malloc's own alignment and at most {@code maxBlockBytes} are cached; the
 * cache holds at most {@code maxCachedBytes}, and a block freed beyond that is released at once.
 * Not thread-safe: the system path's lock guards it.
 */
final class SystemBlockCache {

    private final long maxBlockBytes;
    private final long maxCachedBytes;
    private final Map<Long, ArrayDeque<SystemPath.Block>> byCapacity = new HashMap<>();
    private long cachedBytes;
    private int cachedBlocks;

    /**
     * @param maxBlockBytes the largest capacity cached
     * @param maxCachedBytes the most bytes held in freed blocks
     */
    SystemBlockCache(long maxBlockBytes, long maxCachedBytes) {
        if (maxBlockBytes < 0 || maxCachedBytes < 0) {
            throw new IllegalArgumentException("cache bounds must be >= 0: " + maxBlockBytes + ", " + maxCachedBytes);
        }
        this.maxBlockBytes = maxBlockBytes;
        this.maxCachedBytes = maxCachedBytes;
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

    static long roundUp(long byteSize) {
        if (byteSize <= 16) {
            return 16;
        }
        int shift = 63 - Long.numberOfLeadingZeros(byteSize - 1);
        long step = 1L << (shift - 2);
        return (byteSize + step - 1) & -step;
    }

    /**
     * A cached block of {@code capacity} bytes ({@link #capacityFor}), now out of the cache; null if none,
     * or if a block of that capacity and alignment is not one the cache keeps.
     */
    SystemPath.Block take(long capacity, long alignment) {
        ArrayDeque<SystemPath.Block> blocks = cacheable(capacity, alignment) ? byCapacity.get(capacity) : null;
        SystemPath.Block block = blocks == null ? null : blocks.pollLast();
        if (block != null) {
            cachedBytes -= capacity;
            cachedBlocks--;
        }
        return block;
    }

    /** Keeps a freed block to serve again; false (nothing kept) if it is not cacheable or the cache is full. */
    boolean offer(SystemPath.Block block) {
        long capacity = block.capacity();
        if (!cacheable(capacity, block.byteAlignment()) || capacity > maxCachedBytes - cachedBytes) {
            return false;
        }
        byCapacity.computeIfAbsent(capacity, c -> new ArrayDeque<>()).addLast(block);
        cachedBytes += capacity;
        cachedBlocks++;
        return true;
    }

    /** Empties the cache, handing every block to {@code release}; answers how many. */
    int drain(Consumer<SystemPath.Block> release) {
        int drained = cachedBlocks;
        for (ArrayDeque<SystemPath.Block> blocks : byCapacity.values()) {
            blocks.forEach(release);
        }
        byCapacity.clear();
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
