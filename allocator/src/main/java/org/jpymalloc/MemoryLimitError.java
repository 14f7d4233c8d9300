package org.jpymalloc;

import java.util.Locale;

/**
 * A request refused because it would take the allocator past its memory limit
 * ({@link PyMalloc.Builder#maxBytes(long)}). Nothing changed: every live block is intact, and the same
 * request succeeds once enough memory has been freed. An {@link OutOfMemoryError}, as when the OS or the
 * C library refuses memory, so that one {@code catch} handles both.
 */
public final class MemoryLimitError extends OutOfMemoryError {

    private final long limit;
    private final long requested;
    private final long needed;
    private final long inUse;

    MemoryLimitError(long limit, long requested, long needed, long inUse, String what) {
        super(String.format(Locale.ROOT, "jpymalloc memory limit of %,d bytes reached: a request for %,d bytes needs "
                + "%,d more (%s), and %,d bytes are in use (arenas mapped and system-path blocks)", limit, requested,
                needed, what, inUse));
        this.limit = limit;
        this.requested = requested;
        this.needed = needed;
        this.inUse = inUse;
    }

    /** The allocator's limit, in bytes. */
    public long limit() {
        return limit;
    }

    /** The bytes the refused request asked for. */
    public long requested() {
        return requested;
    }

    /** What serving it would have added to the usage: a whole arena, or the system block's bytes. */
    public long needed() {
        return needed;
    }

    /** The usage when it was refused: bytes of arenas mapped (spares included) and of system-path blocks. */
    public long inUse() {
        return inUse;
    }
}
