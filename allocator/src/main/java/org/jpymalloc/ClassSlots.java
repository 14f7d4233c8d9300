package org.jpymalloc;

/**
 * The words an allocation reads per size class, kept together in one {@code long[]} of {@link #STRIDE}
 * words per class, class {@code c} at {@code STRIDE * c}:
 *
 * <pre>
 *  word        meaning
 *  HEAD        the head of the class's used pools ({@link UsedPools} keeps it), 0 if none
 *  SPAN        bytes from a pool's first block to the end of its last whole block
 *  MAGIC       ceil(2^64 / blockSize), Lemire's divisibility constant: an offset n below 2^32 is a
 *              multiple of the block size exactly when n * MAGIC <= MAGIC - 1, unsigned
 *  BLOCK_SIZE  the class's block size
 * </pre>
 *
 * One array rather than one per word, because of what C2 emits for each array a hot method indexes: a
 * null check of the field and a range check of the index, each a branch to an uncommon trap of some 40
 * bytes of code. With one array the four words share the null check and C2 merges the range checks of
 * constant offsets from one index. Compiled code size decides whether callers inline the allocator
 * (docs/design.md, "Compiled size"); this layout took 120 to 220 bytes off each entry point.
 */
final class ClassSlots {

    static final int STRIDE = 4;
    static final int HEAD = 0;
    static final int SPAN = 1;
    static final int MAGIC = 2;
    static final int BLOCK_SIZE = 3;

    private ClassSlots() {
    }

    /** A table for {@code geometry}'s classes, every head 0. */
    static long[] of(Geometry geometry) {
        long[] slots = new long[STRIDE * geometry.sizeClassCount()];
        for (int c = 0; c < geometry.sizeClassCount(); c++) {
            long blockSize = geometry.blockSize(c);
            slots[STRIDE * c + SPAN] = geometry.blocksPerPool(c) * blockSize;
            slots[STRIDE * c + MAGIC] = Long.divideUnsigned(-1L, blockSize) + 1;
            slots[STRIDE * c + BLOCK_SIZE] = blockSize;
        }
        return slots;
    }
}
