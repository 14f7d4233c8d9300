package org.jpymalloc;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
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
 * callers must pass the address of a pool inside a mapped arena.
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

    private static final VarHandle COUNT = handle("count");
    private static final VarHandle FREE_BLOCK = handle("freeBlock");
    private static final VarHandle NEXT_POOL = handle("nextPool");
    private static final VarHandle PREV_POOL = handle("prevPool");
    private static final VarHandle ARENA_INDEX = handle("arenaIndex");
    private static final VarHandle SIZE_CLASS_INDEX = handle("sizeClassIndex");
    private static final VarHandle NEXT_OFFSET = handle("nextOffset");
    private static final VarHandle MAX_NEXT_OFFSET = handle("maxNextOffset");

    private PoolHeader() {
    }

    static int count(long pool) {
        return (int) COUNT.get(EVERYTHING, pool);
    }

    static void count(long pool, int value) {
        COUNT.set(EVERYTHING, pool, value);
    }

    static long freeBlock(long pool) {
        return (long) FREE_BLOCK.get(EVERYTHING, pool);
    }

    static void freeBlock(long pool, long block) {
        FREE_BLOCK.set(EVERYTHING, pool, block);
    }

    static long nextPool(long pool) {
        return (long) NEXT_POOL.get(EVERYTHING, pool);
    }

    static void nextPool(long pool, long next) {
        NEXT_POOL.set(EVERYTHING, pool, next);
    }

    static long prevPool(long pool) {
        return (long) PREV_POOL.get(EVERYTHING, pool);
    }

    static void prevPool(long pool, long prev) {
        PREV_POOL.set(EVERYTHING, pool, prev);
    }

    static int arenaIndex(long pool) {
        return (int) ARENA_INDEX.get(EVERYTHING, pool);
    }

    static void arenaIndex(long pool, int index) {
        ARENA_INDEX.set(EVERYTHING, pool, index);
    }

    static int sizeClassIndex(long pool) {
        return (int) SIZE_CLASS_INDEX.get(EVERYTHING, pool);
    }

    static void sizeClassIndex(long pool, int index) {
        SIZE_CLASS_INDEX.set(EVERYTHING, pool, index);
    }

    static int nextOffset(long pool) {
        return (int) NEXT_OFFSET.get(EVERYTHING, pool);
    }

    static void nextOffset(long pool, int offset) {
        NEXT_OFFSET.set(EVERYTHING, pool, offset);
    }

    static int maxNextOffset(long pool) {
        return (int) MAX_NEXT_OFFSET.get(EVERYTHING, pool);
    }

    static void maxNextOffset(long pool, int offset) {
        MAX_NEXT_OFFSET.set(EVERYTHING, pool, offset);
    }

    /** The first word of a free block: the next free block of the same pool, or 0. */
    static long nextFreeBlock(long block) {
        return EVERYTHING.get(JAVA_LONG, block);
    }

    static void nextFreeBlock(long block, long next) {
        EVERYTHING.set(JAVA_LONG, block, next);
    }

    private static VarHandle handle(String field) {
        return LAYOUT.varHandle(groupElement(field));
    }
}
