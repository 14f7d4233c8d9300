package org.jpymalloc;

import java.lang.management.ManagementFactory;
import java.util.function.Supplier;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.TreeMap;

import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.JMException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.ObjectName;
import javax.management.ReflectionException;

/**
 * JMX for an allocator ({@link PyMallocMXBean#register}): the MXBean reads every figure from
 * {@link Snapshots}. The only class besides {@link PyMallocMXBean} that touches {@code java.management},
 * which the module requires only statically: a program that never registers an MXBean runs without it.
 */
final class Telemetry {

    private Telemetry() {
    }

    /** Registers {@code allocator}'s MXBean as {@code org.jpymalloc:type=PyMalloc,name=NAME}. */
    static ObjectName register(PyMalloc allocator, String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("an MXBean name must not be blank: '" + name + "'");
        }
        try {
            ObjectName objectName = new ObjectName("org.jpymalloc", new java.util.Hashtable<>(java.util.Map.of(
                    "type", "PyMalloc", "name", ObjectName.quote(name))));
            ManagementFactory.getPlatformMBeanServer().registerMBean(new Attributes(new MXBeanView(Snapshots.of(allocator))),
                    objectName);
            return objectName;
        } catch (javax.management.InstanceAlreadyExistsException e) {
            throw new IllegalArgumentException("an allocator MXBean named '" + name + "' is already registered", e);
        } catch (JMException e) {
            throw new IllegalStateException("cannot register the MXBean '" + name + "': " + e.getMessage(), e);
        }
    }

    /**
     * The registered MBean: {@link PyMallocMXBean}'s getters as read-only attributes of simple open types
     * (long, boolean), which any JMX client reads, and {@code JMX.newMBeanProxy(server, name,
     * PyMallocMXBean.class)} as the interface. A dynamic MBean rather than the interface itself, because
     * JMX's MXBean introspection takes the interface's static {@code register} method for an operation and
     * refuses its types (so {@code JMX.newMXBeanProxy} refuses the interface too).
     */
    private static final class Attributes implements DynamicMBean {

        private static final Map<String, Method> GETTERS = getters();
        private static final MBeanInfo INFO = new MBeanInfo(PyMallocMXBean.class.getName(),
                "jpymalloc allocator counters (org.jpymalloc.PyMallocMXBean)",
                GETTERS.entrySet().stream().map(e -> new MBeanAttributeInfo(e.getKey(),
                        e.getValue().getReturnType().getName(), e.getKey(), true, false,
                        e.getValue().getName().startsWith("is"))).toArray(MBeanAttributeInfo[]::new),
                null, null, null);

        private final PyMallocMXBean view;

        Attributes(PyMallocMXBean view) {
            this.view = view;
        }

        private static Map<String, Method> getters() {
            Map<String, Method> getters = new TreeMap<>();
            for (Method m : PyMallocMXBean.class.getMethods()) {
                String name = m.getName();
                if (!Modifier.isStatic(m.getModifiers()) && m.getParameterCount() == 0) {
                    getters.put(name.startsWith("is") ? name.substring(2) : name.substring(3), m);
                }
            }
            return getters;
        }

        @Override
        public Object getAttribute(String attribute) throws AttributeNotFoundException, ReflectionException {
            Method getter = GETTERS.get(attribute);
            if (getter == null) {
                throw new AttributeNotFoundException("no attribute " + attribute + "; attributes: " + GETTERS.keySet());
            }
            try {
                return getter.invoke(view);
            } catch (ReflectiveOperationException e) {
                throw new ReflectionException(e);
            }
        }

        @Override
        public AttributeList getAttributes(String[] attributes) {
            AttributeList list = new AttributeList();
            for (String attribute : attributes) {
                try {
                    list.add(new Attribute(attribute, getAttribute(attribute)));
                } catch (JMException skipped) {
                    // JMX's contract: attributes that cannot be read are left out of the list
                }
            }
            return list;
        }

        @Override
        public void setAttribute(Attribute attribute) throws AttributeNotFoundException {
            throw new AttributeNotFoundException("attribute " + attribute.getName() + " is read-only");
        }

        @Override
        public AttributeList setAttributes(AttributeList attributes) {
            return new AttributeList();
        }

        @Override
        public Object invoke(String actionName, Object[] params, String[] signature) throws ReflectionException {
            throw new ReflectionException(new NoSuchMethodException(actionName), "no operations");
        }

        @Override
        public MBeanInfo getMBeanInfo() {
            return INFO;
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
