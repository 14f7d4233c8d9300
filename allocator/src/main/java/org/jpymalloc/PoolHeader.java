package org.jpymalloc;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static org.jpymalloc.NativeMemory.ADDRESS_MASK;
import static org.jpymalloc.NativeMemory.EVERYTHING;

/**
 * The header at the start of every pool, laid out as obmalloc's {@code struct pool_header} on 64-bit
 * (described once, here, as a {@link MemoryLayout}; {@code PoolHeaderTest} checks every offset):
 *
 * <pre>
 * offset  size  field            obmalloc name    meaning
 *      0     4  count            ref.count        blocks allocated in this pool
 *      4     4  (padding)                         ref is a union with a pointer
 *      8     8  freeBlock        freeblock        head of the free-block list, 0 if none
 *     16     8  nextPool         nextpool         next pool of the class list, or next empty pool
 *     24     8  prevPool         prevpool         previous pool of the class list
 *     32     4  arenaIndex       arenaindex       the arena's slot in the heap's arena table
 *     36     4  sizeClassIndex   szidx            size class, or {@link #NO_SIZE_CLASS} if never used
 *     40     4  nextOffset       nextoffset       offset of the next virgin block
 *     44     4  maxNextOffset    maxnextoffset    largest valid nextOffset
 *     48                                          (the first block, at poolHeaderSize)
 * </pre>
 *
 * Accessors take the pool's address; they read and write through {@link NativeMemory#EVERYTHING}, so
 * callers must pass the address of a pool inside a mapped arena. Each address is masked with
 * {@link NativeMemory#ADDRESS_MASK} first, which changes none, and leaves the segment's bounds check out
 * of the compiled code.
 */
final class PoolHeader {

    /** obmalloc's {@code DUMMY_SIZE_IDX}: a freshly carved pool has served no class yet. */
    static final int NO_SIZE_CLASS = 0xffff;

    static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("count"),
            MemoryLayout.paddingLayout(4),
            JAVA_LONG.withName("freeBlock"),
            JAVA_LONG.withName("nextPool"),
            JAVA_LONG.withName("prevPool"),
            JAVA_INT.withName("arenaIndex"),
            JAVA_INT.withName("sizeClassIndex"),
            JAVA_INT.withName("nextOffset"),
            JAVA_INT.withName("maxNextOffset")).withName("pool_header");

    // Byte offsets of the fields, derived from LAYOUT once. Accesses use the unaligned layouts: every
    // address here is aligned anyway, and skipping the alignment check keeps each access a plain move.
    private static final long COUNT = offset("count");
    private static final long FREE_BLOCK = offset("freeBlock");
    private static final long NEXT_POOL = offset("nextPool");
    private static final long PREV_POOL = offset("prevPool");
    private static final long ARENA_INDEX = offset("arenaIndex");
    private static final long SIZE_CLASS_INDEX = offset("sizeClassIndex");
    private static final long NEXT_OFFSET = offset("nextOffset");
    private static final long MAX_NEXT_OFFSET = offset("maxNextOffset");

    // The layouts' var handles, called directly: the same access as MemorySegment.get/set, minus two
    // wrapper frames per access, which leaves callers more of C2's node budget (docs/design.md).
    private static final VarHandle INT = JAVA_INT_UNALIGNED.varHandle();
    private static final VarHandle LONG = JAVA_LONG_UNALIGNED.varHandle();

    private PoolHeader() {
    }

    static int count(long pool) {
        return (int) INT.get(EVERYTHING, (pool & ADDRESS_MASK) + COUNT);
    }

    static void count(long pool, int value) {
        INT.set(EVERYTHING, (pool & ADDRESS_MASK) + COUNT, value);
    }

    static long freeBlock(long pool) {
        return (long) LONG.get(EVERYTHING, (pool & ADDRESS_MASK) + FREE_BLOCK);
    }

    static void freeBlock(long pool, long block) {
        LONG.set(EVERYTHING, (pool & ADDRESS_MASK) + FREE_BLOCK, block);
    }

    static long nextPool(long pool) {
        return (long) LONG.get(EVERYTHING, (pool & ADDRESS_MASK) + NEXT_POOL);
    }

    static void nextPool(long pool, long next) {
        LONG.set(EVERYTHING, (pool & ADDRESS_MASK) + NEXT_POOL, next);
    }

    static long prevPool(long pool) {
        return (long) LONG.get(EVERYTHING, (pool & ADDRESS_MASK) + PREV_POOL);
    }

    static void prevPool(long pool, long prev) {
        LONG.set(EVERYTHING, (pool & ADDRESS_MASK) + PREV_POOL, prev);
    }

    static int arenaIndex(long pool) {
        return (int) INT.get(EVERYTHING, (pool & ADDRESS_MASK) + ARENA_INDEX);
    }

    static void arenaIndex(long pool, int index) {
        INT.set(EVERYTHING, (pool & ADDRESS_MASK) + ARENA_INDEX, index);
    }

    static int sizeClassIndex(long pool) {
        return (int) INT.get(EVERYTHING, (pool & ADDRESS_MASK) + SIZE_CLASS_INDEX);
    }

    static void sizeClassIndex(long pool, int index) {
        INT.set(EVERYTHING, (pool & ADDRESS_MASK) + SIZE_CLASS_INDEX, index);
    }

    static int nextOffset(long pool) {
        return (int) INT.get(EVERYTHING, (pool & ADDRESS_MASK) + NEXT_OFFSET);
    }

    static void nextOffset(long pool, int offset) {
        INT.set(EVERYTHING, (pool & ADDRESS_MASK) + NEXT_OFFSET, offset);
    }

    static int maxNextOffset(long pool) {
        return (int) INT.get(EVERYTHING, (pool & ADDRESS_MASK) + MAX_NEXT_OFFSET);
    }

    static void maxNextOffset(long pool, int offset) {
        INT.set(EVERYTHING, (pool & ADDRESS_MASK) + MAX_NEXT_OFFSET, offset);
    }

    /** The first word of a free block: the next free block of the same pool, or 0. */
    static long nextFreeBlock(long block) {
        return (long) LONG.get(EVERYTHING, block & ADDRESS_MASK);
    }

    static void nextFreeBlock(long block, long next) {
        LONG.set(EVERYTHING, block & ADDRESS_MASK, next);
    }

    private static long offset(String field) {
        return LAYOUT.byteOffset(groupElement(field));
    }
}
