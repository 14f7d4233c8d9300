package org.jpymalloc;

import java.lang.foreign.MemorySegment;

/**
 * A shared allocator's {@link SystemPath}: every call under one lock of its own, each checking that the
 * allocator is open (its closed flag is written with this lock held, so reading it under the lock is
 * exact). Whole-allocator operations take the lock last ({@link #lock()}), after every heap's.
 *
 * <p>The lock is a {@link StripeLock} that is never biased: a compare-and-set to enter and a plain release
 * store to leave. {@code ReentrantLock}'s leaving is a volatile store (a full fence on x86-64), and its two
 * pairs of atomic instructions took about a quarter of a cached system-path pair.
 */
final class LockedSystemPath {

    private final SystemPath system;
    private final long poolAlignment;
    private final StripeLock lock = new StripeLock(-1);
    /** Written with {@link #lock} held (by {@link #freeAllAndClose}), read under it. */
    private boolean closed;

    /**
     * Freed blocks of up to an arena's size are cached to serve again, at most {@code cacheBytes} of them,
     * each for at most the default arena decay ({@link SystemBlockCache}); 0: none.
     */
    LockedSystemPath(MemoryBudget budget, Geometry geometry, long cacheBytes) {
        this.system = new SystemPath(budget, new Usage(), geometry.arenaSize(), cacheBytes, ArenaRetention.DEFAULT_DECAY,
                SystemPath.C_LIBRARY);
        this.poolAlignment = geometry.alignment();
    }

    /**
     * The default bound of the cache of freed system blocks: 16 MiB, whatever the geometry, since what it
     * holds is the program's large blocks, not arenas (docs/design.md, "Shared mode").
     */
    static final long DEFAULT_CACHE_BYTES = 16L << 20;

    MemorySegment allocate(long byteSize, long byteAlignment, boolean zeroed) {
        lock();
        try {
            checkOpen();
            return system.allocate(byteSize, byteAlignment, poolAlignment, zeroed);
        } finally {
            unlock();
        }
    }

    /**
     * Frees the block at {@code address} if this path holds it live (checking {@code segment}, when not
     * null, a native one, is its own); false, having changed nothing, if it does not (a thread heap's own
     * block, or none).
     */
    boolean freeIfLive(MemorySegment segment, long address) {
        lock();
        try {
            checkOpen();
            return system.freeIfLive(segment, address);
        } finally {
            unlock();
        }
    }

    /** Resizes the block at {@code address} if this path holds it live; null, having changed nothing, if not. */
    MemorySegment reallocateIfLive(MemorySegment segment, long address, long newByteSize) {
        lock();
        try {
            checkOpen();
            if (system.find(address) == null) {
                return null;
            }
            return system.reallocate(blockOf(segment, address), newByteSize);
        } finally {
            unlock();
        }
    }

    /** Gives every cached free block back to the C library; answers how many. */
    int trim() {
        lock();
        try {
            checkOpen();
            return system.trimCache();
        } finally {
            unlock();
        }
    }

    /** Throws if the allocator is closed. */
    void checkOpenLocked() {
        lock();
        try {
            checkOpen();
        } finally {
            unlock();
        }
    }

    /** Takes the lock: each call here, and whole-allocator operations after every heap's lock. */
    void lock() {
        lock.lock(Thread.currentThread());
    }

    /** Leaves {@link #lock()}. */
    void unlock() {
        lock.unlock(Thread.currentThread());
    }

    /** Under {@link #lock()}: the path itself, for statistics. */
    SystemPath path() {
        return system;
    }

    /** Under {@link #lock()}: frees every system block; every later call throws "allocator is closed". */
    void freeAllAndClose() {
        closed = true;
        system.freeAll();
    }

    /** Under the lock: the block behind {@code segment} (a native one), or at {@code address} when it is null. */
    private SystemPath.Block blockOf(MemorySegment segment, long address) {
        return blockOf(system, segment, address);
    }

    /**
     * With {@code path}'s guard held: its live block behind {@code segment} (a native one), or at {@code
     * address} when it is null; an {@link IllegalArgumentException} saying why not.
     */
    static SystemPath.Block blockOf(SystemPath path, MemorySegment segment, long address) {
        if (segment == null) {
            return path.blockAt(address);
        }
        Checks.requireNative(segment);
        return path.blockOf(segment);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("allocator is closed");
        }
    }
}
