package org.jpymalloc;

/**
 * An allocator's main counters over JMX ({@link #register(PyMalloc, String)}), read from one
 * {@link MallocStats} snapshot per attribute: taken on demand for a shared allocator, the owner's last
 * snapshot for a confined one (see {@link #isSnapshotAvailable()}).
 */
public interface PyMallocMXBean {

    /**
     * Registers {@code allocator}'s MXBean with the platform MBean server as
     * {@code org.jpymalloc:type=PyMalloc,name="NAME"}; unregister it through the server with the name
     * returned. After {@code close()} it shows the snapshot taken at close. Needs the {@code java.management}
     * module, which jpymalloc requires only statically.
     *
     * @throws IllegalArgumentException if {@code name} is blank or already registered
     */
    static javax.management.ObjectName register(PyMalloc allocator, String name) {
        return Telemetry.register(java.util.Objects.requireNonNull(allocator, "allocator"), name);
    }

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
