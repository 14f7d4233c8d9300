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

        private MallocStats stats() {
            return source.get();
        }

        @Override
        public boolean isSnapshotAvailable() {
            return stats() != null;
        }

        @Override
        public long getArenasCurrent() {
            MallocStats s = stats();
            return s == null ? 0 : s.arenasCurrent();
        }

        @Override
        public long getArenasHighwater() {
            MallocStats s = stats();
            return s == null ? 0 : s.arenasHighwater();
        }

        @Override
        public long getArenasAllocatedTotal() {
            MallocStats s = stats();
            return s == null ? 0 : s.arenasAllocatedTotal();
        }

        @Override
        public long getPoolsInUse() {
            MallocStats s = stats();
            return s == null ? 0 : s.poolsInUse();
        }

        @Override
        public long getBlocksInUse() {
            MallocStats s = stats();
            return s == null ? 0 : s.blocksInUse() + s.systemLiveBlocks();
        }

        @Override
        public long getHeldBytes() {
            MallocStats s = stats();
            return s == null ? 0 : s.heldBytes();
        }

        @Override
        public long getRequestedBytes() {
            MallocStats s = stats();
            return s == null ? 0 : s.requestedBytes();
        }

        @Override
        public long getSystemLiveBytes() {
            MallocStats s = stats();
            return s == null ? 0 : s.systemLiveBytes();
        }

        @Override
        public long getRequestedBytesPeak() {
            MallocStats s = stats();
            return s == null ? 0 : s.requestedBytesPeak();
        }

        @Override
        public long getHeldBytesPeak() {
            MallocStats s = stats();
            return s == null ? 0 : s.heldBytesPeak();
        }
    }
}
