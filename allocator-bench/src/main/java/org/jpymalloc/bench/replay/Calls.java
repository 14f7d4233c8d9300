package org.jpymalloc.bench.replay;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a replay keeps for each live block, the same for every allocator so that each event costs every
 * allocator the same work besides its own.
 */
public enum Calls {

    /**
     * A {@link java.lang.foreign.MemorySegment} per block, kept in an array of segments, as a Java program
     * that reads and writes its blocks holds them: jpymalloc through {@code allocate}, {@code reallocate} and
     * {@code free}; a C allocator's address wrapped with {@code MemorySegment.ofAddress(p).reinterpret(size)}
     * and unwrapped with {@code address()} for {@code free} and {@code realloc}.
     */
    SEGMENTS,

    /**
     * A raw address per block, kept in an array of {@code long}s: jpymalloc through its address API
     * ({@code allocateAddress}, {@code reallocateAddress}, {@code freeAddress}), a C allocator as it is.
     */
    ADDRESSES;

    /** The name on the command line and in reports. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException naming {@code text} and the valid names */
    public static Calls named(String text) {
        String label = text.strip().toLowerCase(Locale.ROOT);
        for (Calls calls : values()) {
            if (calls.label().equals(label)) {
                return calls;
            }
        }
        throw new IllegalArgumentException("unknown calls '" + text + "'; known: "
                + Arrays.stream(values()).map(Calls::label).collect(Collectors.joining(", ")));
    }
}
