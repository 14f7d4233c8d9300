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
            String value = System.getProperty(LEVEL_PROPERTY);
            return value == null ? SAMPLED : parse(value);
        }

        static Level parse(String value) {
            try {
                return valueOf(value.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("-D" + LEVEL_PROPERTY + "=" + value + " is not a leak detection "
                        + "level; use DISABLED, SAMPLED or ALL");
            }
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

    /** Told about every leak the detector finds, on the JDK's cleaner thread. */
    @FunctionalInterface
    public interface Listener {
        void leaked(Leak leak);
    }
}
