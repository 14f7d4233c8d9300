package org.jpymalloc;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Leak detection for {@link Handle}s: a handle that becomes unreachable before its last
 * {@link Handle#release()} is reported, with where it was allocated (and, at {@link Level#ALL}, where it
 * was retained and released), through {@link System.Logger} (logger {@code org.jpymalloc.leaks}, level
 * {@code ERROR}) and to the allocator's {@link Listener}, if any.
 *
 * <p>The block itself stays allocated: an unreachable handle's block may still be reachable through a
 * segment taken from it, and a confined allocator's block can only be freed on its owner thread. The
 * report at {@link PyMalloc#close()} lists it.
 */
public final class LeakDetection {

    /** The system property that sets the default level: {@code DISABLED}, {@code SAMPLED} or {@code ALL}. */
    public static final String LEVEL_PROPERTY = "jpymalloc.leakDetection";

    /** One handle in this many is tracked at {@link Level#SAMPLED} (Netty's default rate). */
    public static final int SAMPLING_INTERVAL = 128;

    private LeakDetection() {
    }

    /** How many handles are tracked. */
    public enum Level {
        /** None: a handle costs an object and an atomic count. */
        DISABLED,
        /** One in {@value #SAMPLING_INTERVAL} handles, chosen at random, with its allocation site. */
        SAMPLED,
        /** Every handle, with its allocation site and the sites of its retains and releases. */
        ALL;

        /**
         * The level named by {@value #LEVEL_PROPERTY}, or {@link #SAMPLED} when it is not set.
         *
         * @throws IllegalArgumentException naming the bad value and the accepted ones
         */
        public static Level fromSystemProperty() {
            return fromProperty(LEVEL_PROPERTY, Level.class, SAMPLED, "a leak detection level");
        }
    }

    /**
     * A leaked handle.
     *
     * @param address the block's address
     * @param byteSize the bytes requested
     * @param refCount the count the handle had when it became unreachable
     * @param allocationSite where {@code allocateHandle} was called (stack frames, innermost first)
     * @param history at {@link Level#ALL}, each retain and release with its site, oldest first; else empty
     */
    public record Leak(long address, long byteSize, int refCount, String allocationSite, List<String> history) {

        public Leak {
            Objects.requireNonNull(allocationSite, "allocationSite");
            history = List.copyOf(history);
        }

        /** The report as logged. */
        public String describe() {
            StringBuilder text = new StringBuilder(String.format(Locale.ROOT,
                    "LEAK: a jpymalloc handle of %d bytes at 0x%x became unreachable with reference count %d "
                            + "(release() was not called); its block stays allocated until the allocator closes. "
                            + "Allocated at:%n%s", byteSize, address, refCount, allocationSite));
            for (String entry : history) {
                text.append(System.lineSeparator()).append(entry);
            }
            return text.toString();
        }
    }

    /** The system property that sets the default {@link AtClose}: {@code LOG}, {@code THROW} or {@code IGNORE}. */
    public static final String AT_CLOSE_PROPERTY = "jpymalloc.atClose";

    /**
     * The constant named (in any case) by system property {@code property}, or {@code unset} when it is not set.
     *
     * @throws IllegalArgumentException naming the property, the bad value and the accepted ones
     */
    private static <E extends Enum<E>> E fromProperty(String property, Class<E> type, E unset, String what) {
        String value = System.getProperty(property);
        if (value == null) {
            return unset;
        }
        try {
            return Enum.valueOf(type, value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            String accepted = java.util.Arrays.stream(type.getEnumConstants()).map(Enum::name)
                    .collect(java.util.stream.Collectors.joining(", ", "", ""));
            int last = accepted.lastIndexOf(", ");
            throw new IllegalArgumentException("-D" + property + "=" + value + " is not " + what + "; use "
                    + accepted.substring(0, last) + " or " + accepted.substring(last + 2));
        }
    }

    /** What {@link PyMalloc#close()} does when blocks are still live (the memory is freed either way). */
    public enum AtClose {
        /** Log the report (logger {@code org.jpymalloc.leaks}, level {@code WARNING}). */
        LOG,
        /** Throw {@link IllegalStateException} with the report, after closing. */
        THROW,
        /** Say nothing. */
        IGNORE;

        /**
         * The value named by {@value #AT_CLOSE_PROPERTY}, or {@link #LOG} when it is not set.
         *
         * @throws IllegalArgumentException naming the bad value and the accepted ones
         */
        public static AtClose fromSystemProperty() {
            return fromProperty(AT_CLOSE_PROPERTY, AtClose.class, LOG, "an at-close action");
        }
    }

    /**
     * The report of the blocks still live when an allocator closes: how many per size class and on the
     * system path, from the statistics taken as {@code close()} began; null if there are none.
     */
    static String closeReport(MallocStats stats) {
        long blocks = stats.blocksInUse() + stats.systemLiveBlocks();
        if (blocks == 0) {
            return null;
        }
        StringBuilder text = new StringBuilder(String.format(Locale.ROOT,
                "jpymalloc allocator closed with %,d live blocks (%,d bytes in pool blocks, %,d on the system path); "
                        + "freed now:", blocks, stats.allocatedBytes(), stats.systemLiveBytes()));
        for (MallocStats.SizeClassStats c : stats.sizeClasses()) {
            if (c.blocksInUse() > 0) {
                text.append(String.format(Locale.ROOT, "%n  class %d (%d-byte blocks): %,d", c.index(), c.blockSize(),
                        c.blocksInUse()));
            }
        }
        if (stats.systemLiveBlocks() > 0) {
            text.append(String.format(Locale.ROOT, "%n  system path: %,d blocks of %,d bytes", stats.systemLiveBlocks(),
                    stats.systemLiveBytes()));
        }
        return text.toString();
    }

    /** Acts on {@link #closeReport} as {@code atClose} says. */
    static void reportAtClose(MallocStats stats, AtClose atClose) {
        if (atClose == AtClose.IGNORE) {
            return;
        }
        String report = closeReport(stats);
        if (report == null) {
            return;
        }
        if (atClose == AtClose.THROW) {
            throw new IllegalStateException(report);
        }
        System.getLogger("org.jpymalloc.leaks").log(System.Logger.Level.WARNING, report);
    }

    /** Told about every leak the detector finds, on the JDK's cleaner thread. */
    @FunctionalInterface
    public interface Listener {
        void leaked(Leak leak);
    }
}
