package org.jpymalloc;

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
 * decay (as retained arenas decay: {@link ArenaRetention}; an allocator that frees none keeps them until
 * {@link PyMalloc#trim()}). {@link #drain} empties it (trim, close, a memory limit). Not thread-safe: its
 * heap's guard covers it, as it covers the heap's {@link SystemPath}.
 *
 * <p><b>The clock.</b> Only a free reads it (a cache that only serves does not grow), and only one free in
 * {@code clockTicks} ({@link #CLOCK_TICKS} in an allocator), for {@link ArenaTable#DECAY_TICKS}'s reason:
 * {@code System.nanoTime()} costs about 26 ns here, a quarter of a cached pair. A block freed between two
 * readings is stamped with the last one, so it may look older than it is by up to the time those frees
 * took, and the sweep comes at the free that reads the clock. So, while blocks are freed, a block leaves
 * the cache within one and a half decays of its free plus the time of {@code clockTicks} frees, and may
 * leave sooner than the decay by that time: a small part of the decay when frees are frequent (what the
 * cache is for); when they are rarer than {@code clockTicks} per decay, the handshakes the cache would
 * have saved cost little (32 of about 45 µs per second: 0.15% of one CPU).
 */
final class SystemBlockCache {

    private final long maxBlockBytes;
    private final long maxCachedBytes;
    private final long decayNanos;
    private final LongSupplier clock;
    private final int clockTicks;
    private final Consumer<SystemPath.Block> release;
    /** Per capacity ({@link #stepIndex}), the cached blocks, oldest first; null until one is cached. */
    private final Step[] byCapacity;
    private long cachedBytes;
    private int cachedBlocks;
    private long lastSweep;
    /** The clock's last reading, which blocks freed until the next one are stamped with. */
    private long lastClock;
    /** Frees left before the clock is read again. */
    private int ticksLeft;

    /**
     * The default bound of each shared heap's cache of freed system blocks: 16 MiB, whatever the geometry,
     * since what it holds is the program's large blocks, not arenas (docs/design.md, "Shared mode").
     */
    static final long DEFAULT_MAX_CACHED_BYTES = 16L << 20;

    /** Frees between two readings of the clock in an allocator's cache (see the class comment). */
    static final int CLOCK_TICKS = ArenaTable.DECAY_TICKS;

    /**
     * @param maxBlockBytes the largest capacity cached
     * @param maxCachedBytes the most bytes held in freed blocks
     * @param decayNanos how long a freed block may wait to serve again
     * @param clock nanoseconds, as {@link System#nanoTime()}
     * @param clockTicks frees per reading of the clock, at least 1 (1: every free reads it)
     * @param release gives a block back: closes its scope, then frees its memory
     */
    SystemBlockCache(long maxBlockBytes, long maxCachedBytes, long decayNanos, LongSupplier clock, int clockTicks,
                     Consumer<SystemPath.Block> release) {
        if (maxBlockBytes < 0 || maxCachedBytes < 0 || decayNanos < 0 || clockTicks < 1) {
            throw new IllegalArgumentException("cache bounds must be >= 0 and clock ticks >= 1: " + maxBlockBytes
                    + " bytes per block, " + maxCachedBytes + " bytes, " + decayNanos + " ns, " + clockTicks
                    + " ticks");
        }
        this.maxBlockBytes = maxBlockBytes;
        this.maxCachedBytes = maxCachedBytes;
        this.decayNanos = decayNanos;
        this.clock = clock;
        this.clockTicks = clockTicks;
        this.release = release;
        this.lastSweep = clock.getAsLong();
        this.lastClock = lastSweep;
        this.byCapacity = new Step[stepIndex(Math.max(16, roundUp(maxBlockBytes))) + 1];
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
        Step blocks = cacheable(capacity, alignment) ? byCapacity[stepIndex(capacity)] : null;
        if (blocks == null || blocks.isEmpty()) {
            return null;
        }
        cachedBytes -= capacity;
        cachedBlocks--;
        return blocks.pollNewest();
    }

    /**
     * Keeps a freed block to serve again; false (nothing kept: the caller releases it) if it is not
     * cacheable or the cache is full.
     */
    boolean offer(SystemPath.Block block) {
        if (--ticksLeft < 0) {
            ticksLeft = clockTicks - 1;
            lastClock = clock.getAsLong();
            decay(lastClock);
        }
        long capacity = block.capacity();
        if (!cacheable(capacity, block.byteAlignment()) || capacity > maxCachedBytes - cachedBytes) {
            return false;
        }
        int index = stepIndex(capacity);
        if (byCapacity[index] == null) {
            byCapacity[index] = new Step();
        }
        byCapacity[index].add(block, lastClock);
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
        for (Step blocks : byCapacity) {
            while (blocks != null && !blocks.isEmpty() && now - blocks.oldestSince() >= decayNanos) {
                SystemPath.Block stale = blocks.pollOldest();
                cachedBytes -= stale.capacity();
                cachedBlocks--;
                release.accept(stale);
            }
        }
    }

    /** Empties the cache, releasing every block; answers how many. */
    int drain() {
        int drained = cachedBlocks;
        for (Step blocks : byCapacity) {
            while (blocks != null && !blocks.isEmpty()) {
                release.accept(blocks.pollOldest());
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

    /**
     * The cached blocks of one capacity with the clock reading each was stamped with, oldest first: a ring
     * of two arrays, so that caching a block allocates nothing (an {@code ArrayDeque} of stamped records
     * allocated one per free). Taken newest first, released oldest first.
     */
    private static final class Step {
        private SystemPath.Block[] blocks = new SystemPath.Block[8];
        private long[] since = new long[8];
        /** The oldest block's slot, and how many there are; slots wrap around (a power-of-two length). */
        private int oldest;
        private int size;

        boolean isEmpty() {
            return size == 0;
        }

        void add(SystemPath.Block block, long stamp) {
            if (size == blocks.length) {
                grow();
            }
            int slot = (oldest + size) & (blocks.length - 1);
            blocks[slot] = block;
            since[slot] = stamp;
            size++;
        }

        SystemPath.Block pollNewest() {
            int slot = (oldest + --size) & (blocks.length - 1);
            SystemPath.Block block = blocks[slot];
            blocks[slot] = null;
            return block;
        }

        long oldestSince() {
            return since[oldest];
        }

        SystemPath.Block pollOldest() {
            SystemPath.Block block = blocks[oldest];
            blocks[oldest] = null;
            oldest = (oldest + 1) & (blocks.length - 1);
            size--;
            return block;
        }

        /** Doubles the arrays, unwrapping the ring so that the oldest block is at slot 0. */
        private void grow() {
            int length = blocks.length;
            SystemPath.Block[] moreBlocks = new SystemPath.Block[length * 2];
            long[] moreSince = new long[length * 2];
            for (int i = 0; i < size; i++) {
                moreBlocks[i] = blocks[(oldest + i) & (length - 1)];
                moreSince[i] = since[(oldest + i) & (length - 1)];
            }
            blocks = moreBlocks;
            since = moreSince;
            oldest = 0;
        }
    }
}
