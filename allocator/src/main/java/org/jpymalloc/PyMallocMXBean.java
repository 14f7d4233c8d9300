package org.jpymalloc;

/**
 * An allocator's main counters over JMX ({@link PyMalloc#registerMXBean(String)}), read from one
 * {@link MallocStats} snapshot per attribute: taken on demand for a shared allocator, the owner's last
 * snapshot for a confined one (see {@link #isSnapshotAvailable()}).
 */
public interface PyMallocMXBean {

    /** False for a confined allocator whose owner has not called {@code stats()} yet (all counters 0). */
    boolean isSnapshotAvailable();

    long getArenasCurrent();

    long getArenasHighwater();

    long getArenasAllocatedTotal();

    long getPoolsInUse();

    /** Live blocks, pools and system path. */
    long getBlocksInUse();

    /** {@link MallocStats#heldBytes()}. */
    long getHeldBytes();

    /** {@link MallocStats#requestedBytes()}. */
    long getRequestedBytes();

    long getSystemLiveBytes();

    long getRequestedBytesPeak();

    long getHeldBytesPeak();
}
