package org.jpymalloc;

import java.lang.foreign.MemorySegment;

/**
 * Validation of public inputs, with messages that name the bad value (the JDK's
 * {@code Utils.checkAllocationSizeAndAlign} plays this part for {@code java.lang.foreign}).
 */
final class Checks {

    private Checks() {
    }

    static void size(long byteSize) {
        if (byteSize < 0) {
            throw new IllegalArgumentException("byteSize must not be negative: " + byteSize);
        }
    }

    static void newSize(long newByteSize) {
        if (newByteSize < 0) {
            throw new IllegalArgumentException("newByteSize must not be negative: " + newByteSize);
        }
    }

    static void sizeAndAlignment(long byteSize, long byteAlignment) {
        size(byteSize);
        if (byteAlignment <= 0 || (byteAlignment & (byteAlignment - 1)) != 0) {
            throw new IllegalArgumentException("byteAlignment must be a positive power of two: " + byteAlignment);
        }
    }

    /**
     * Whether pools serve a request: {@code byteSize} from 1 to {@code threshold}, {@code byteAlignment} a
     * power of two of at most {@code alignment} (itself a power of two). Each term below is negative exactly
     * when its condition fails (the subtractions wrap only for {@code Long.MIN_VALUE}, whose partner term is
     * then negative), so the test compiles to one branch instead of five. That matters beyond the branch:
     * each never-taken branch costs an uncommon trap of some 40 bytes of code, and a hot path compiled past
     * {@code InlineSmallCode} (2,500 bytes) is no longer inlined into callers compiled after it.
     */
    static boolean servedByPools(long byteSize, long byteAlignment, long threshold, long alignment) {
        return ((byteSize - 1) | (threshold - byteSize) | (byteAlignment - 1) | (alignment - byteAlignment)
                | -(byteAlignment & (byteAlignment - 1))) >= 0;
    }

    /** Only native segments can be blocks of an allocator. */
    static void requireNative(MemorySegment segment) {
        if (!segment.isNative()) {
            throw badSegment(segment, "is a heap segment, not memory from this allocator");
        }
    }

    static IllegalArgumentException badSegment(MemorySegment segment, String what) {
        return new IllegalArgumentException("cannot free or reallocate " + describe(segment) + ": it " + what);
    }

    /** For the address API: the same wording as {@link #badSegment}, naming the address. */
    static IllegalArgumentException badAddress(long address, String what) {
        return new IllegalArgumentException("cannot free or reallocate the block at 0x" + Long.toHexString(address)
                + ": it " + what);
    }

    static String describe(MemorySegment segment) {
        return segment.isNative()
                ? "segment at 0x" + Long.toHexString(segment.address()) + " (" + segment.byteSize() + " bytes)"
                : "heap segment " + segment;
    }
}
