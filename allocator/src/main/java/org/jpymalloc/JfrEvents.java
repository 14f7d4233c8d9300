package org.jpymalloc;

import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;

/**
 * jpymalloc's JFR events: {@code org.jpymalloc.Statistics}, periodic (default every second while a
 * recording enables it), one per allocator built with {@link PyMalloc.Builder#jfr(String)}; and
 * {@code org.jpymalloc.Allocation}, one per traced (sampled) allocation of an allocator with tracing.
 */
final class JfrEvents {

    /** Allocators emitting statistics, weakly held: a dropped allocator just stops. */
    private static final Map<PyMalloc, String> ALLOCATORS = Collections.synchronizedMap(new WeakHashMap<>());

    static {
        FlightRecorder.addPeriodicEvent(StatisticsEvent.class, JfrEvents::emitStatistics);
    }

    private JfrEvents() {
    }

    /** Makes {@code allocator} emit the periodic statistics event under {@code name}. */
    static void register(PyMalloc allocator, String name) {
        ALLOCATORS.put(allocator, name);
    }

    private static void emitStatistics() {
        Map<PyMalloc, String> copy;
        synchronized (ALLOCATORS) {
            copy = Map.copyOf(ALLOCATORS);
        }
        copy.forEach((allocator, name) -> {
            MallocStats s = Snapshots.of(allocator).get();
            if (s == null) {
                return;
            }
            StatisticsEvent event = new StatisticsEvent();
            event.allocator = name;
            event.arenas = s.arenasCurrent();
            event.pools = s.poolsInUse();
            event.blocks = s.blocksInUse() + s.systemLiveBlocks();
            event.heldBytes = s.heldBytes();
            event.requestedBytes = s.requestedBytes();
            event.systemBytes = s.systemLiveBytes();
            event.commit();
        });
    }

    /** {@code site} is only asked for when a recording takes the event. */
    static void allocation(long size, int sizeClass, java.util.function.Supplier<Traceback> site) {
        AllocationEvent event = new AllocationEvent();
        if (event.isEnabled()) {
            event.size = size;
            event.sizeClass = sizeClass;
            event.site = site.get().line().toString();
            event.commit();
        }
    }

    @Name("org.jpymalloc.Statistics")
    @Label("jpymalloc Statistics")
    @Category("jpymalloc")
    @Description("An allocator's main statistics")
    @Period("1 s")
    @StackTrace(false)
    static final class StatisticsEvent extends Event {
        @Label("Allocator")
        String allocator;
        @Label("Arenas")
        long arenas;
        @Label("Pools In Use")
        long pools;
        @Label("Live Blocks")
        long blocks;
        @Label("Held")
        @DataAmount
        long heldBytes;
        @Label("Requested")
        @DataAmount
        long requestedBytes;
        @Label("System Path")
        @DataAmount
        long systemBytes;
    }

    @Name("org.jpymalloc.Allocation")
    @Label("jpymalloc Allocation")
    @Category("jpymalloc")
    @Description("A traced (sampled) allocation")
    @StackTrace(false)
    static final class AllocationEvent extends Event {
        @Label("Size")
        @DataAmount
        long size;
        @Label("Size Class")
        @Description("-1 for the system path")
        int sizeClass;
        @Label("Allocation Site")
        String site;
    }
}
