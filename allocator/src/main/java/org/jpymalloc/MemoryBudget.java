package org.jpymalloc;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes an allocator holds from the OS and the C library (arenas mapped, spares included, plus the
 * bytes of system-path blocks), against its limit. Shared by all heaps and the system path of one
 * allocator; touched only when an arena is mapped or unmapped and on the system path, never on the pool
 * fast path. Without a limit nothing is counted: the count would cost two atomic updates per
 * system-path pair and serve no one (statistics count held bytes per heap, {@link Usage}).
 */
final class MemoryBudget {

    static final long UNLIMITED = Long.MAX_VALUE;

    private final long limit;
    private final AtomicLong used = new AtomicLong();

    MemoryBudget(long limit) {
        this.limit = limit;
    }

    static MemoryBudget unlimited() {
        return new MemoryBudget(UNLIMITED);
    }

    /**
     * Counts {@code bytes} more, or throws without counting anything.
     *
     * @param requested the bytes the caller asked for, for the message
     * @param what what the bytes are for, for the message
     */
    void reserve(long bytes, long requested, String what) {
        if (limit == UNLIMITED) {
            return;
        }
        long now;
        do {
            now = used.get();
            if (bytes > limit - now) {
                throw new MemoryLimitError(limit, requested, bytes, now, what);
            }
        } while (!used.compareAndSet(now, now + bytes));
    }

    void release(long bytes) {
        if (limit != UNLIMITED) {
            used.addAndGet(-bytes);
        }
    }

    /** Bytes counted against the limit; 0 without one. */
    long used() {
        return used.get();
    }

    long limit() {
        return limit;
    }
}
