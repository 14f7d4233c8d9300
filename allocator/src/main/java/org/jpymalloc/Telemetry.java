package org.jpymalloc;

import java.lang.management.ManagementFactory;
import java.util.function.Supplier;

import javax.management.JMException;
import javax.management.ObjectName;

/**
 * Snapshots for observers on other threads (JMX, JFR): a shared allocator takes one on demand; a confined
 * one can only be walked by its owner, so observers get the last snapshot its owner took (every
 * {@code stats()} call publishes one) or the one taken at close.
 */
final class Telemetry {

    private Telemetry() {
    }

    /** A source of snapshots safe to call from any thread; it answers null while none is available. */
    static Supplier<MallocStats> snapshots(PyMalloc allocator) {
        return switch (allocator) {
            case SharedAllocator shared -> shared::stats;
            case ConfinedAllocator confined -> confined::published;
            case Decorator decorator -> snapshots(decorator.inner);
            default -> () -> null;
        };
    }

    /** Registers {@code allocator}'s MXBean as {@code org.jpymalloc:type=PyMalloc,name=NAME}. */
    static ObjectName register(PyMalloc allocator, String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("an MXBean name must not be blank: '" + name + "'");
        }
        try {
            ObjectName objectName = new ObjectName("org.jpymalloc", new java.util.Hashtable<>(java.util.Map.of(
                    "type", "PyMalloc", "name", ObjectName.quote(name))));
            ManagementFactory.getPlatformMBeanServer().registerMBean(new MXBeanView(snapshots(allocator)), objectName);
            return objectName;
        } catch (javax.management.InstanceAlreadyExistsException e) {
            throw new IllegalArgumentException("an allocator MXBean named '" + name + "' is already registered", e);
        } catch (JMException e) {
            throw new IllegalStateException("cannot register the MXBean '" + name + "': " + e.getMessage(), e);
        }
    }

    /** The MXBean: every attribute from one snapshot source (0 while none is available). */
    private record MXBeanView(Supplier<MallocStats> source) implements PyMallocMXBean {

        /** A figure of the current snapshot, or 0 while none is available. */
        private long read(java.util.function.ToLongFunction<MallocStats> figure) {
            MallocStats stats = source.get();
            return stats == null ? 0 : figure.applyAsLong(stats);
        }

        @Override
        public boolean isSnapshotAvailable() {
            return source.get() != null;
        }

        @Override
        public long getArenasCurrent() {
            return read(MallocStats::arenasCurrent);
        }

        @Override
        public long getArenasHighwater() {
            return read(MallocStats::arenasHighwater);
        }

        @Override
        public long getArenasAllocatedTotal() {
            return read(MallocStats::arenasAllocatedTotal);
        }

        @Override
        public long getPoolsInUse() {
            return read(MallocStats::poolsInUse);
        }

        @Override
        public long getBlocksInUse() {
            return read(s -> s.blocksInUse() + s.systemLiveBlocks());
        }

        @Override
        public long getHeldBytes() {
            return read(MallocStats::heldBytes);
        }

        @Override
        public long getRequestedBytes() {
            return read(MallocStats::requestedBytes);
        }

        @Override
        public long getSystemLiveBytes() {
            return read(MallocStats::systemLiveBytes);
        }

        @Override
        public long getRequestedBytesPeak() {
            return read(MallocStats::requestedBytesPeak);
        }

        @Override
        public long getHeldBytesPeak() {
            return read(MallocStats::heldBytesPeak);
        }
    }
}
