package org.jpymalloc;

import org.junit.jupiter.api.Test;

import static org.jpymalloc.ClassSlots.BLOCK_SIZE;
import static org.jpymalloc.ClassSlots.HEAD;
import static org.jpymalloc.ClassSlots.MAGIC;
import static org.jpymalloc.ClassSlots.SPAN;
import static org.jpymalloc.ClassSlots.STRIDE;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The per-class words of {@link ClassSlots} for every shape {@link GeometryGrid} covers: the span is the
 * whole blocks of a pool, and the multiply-and-compare with MAGIC answers "is this offset a block
 * boundary?" exactly as a division would, for every offset from 0 to past the span (the ones the
 * free-list check in {@code Heap.takeBlock} can meet: larger offsets fail the span test first).
 */
class ClassSlotsTest {

    @Test
    void everyClassOfEveryGeometry() {
        for (Geometry geometry : GeometryGrid.GEOMETRIES) {
            long[] slots = ClassSlots.of(geometry);
            assertEquals(STRIDE * geometry.sizeClassCount(), slots.length, geometry::toString);
            for (int c = 0; c < geometry.sizeClassCount(); c++) {
                long blockSize = geometry.blockSize(c);
                int at = STRIDE * c;
                assertEquals(0, slots[at + HEAD], "no used pool yet");
                assertEquals(blockSize, slots[at + BLOCK_SIZE]);
                assertEquals(geometry.blocksPerPool(c) * blockSize, slots[at + SPAN]);
                long magic = slots[at + MAGIC];
                long step = Math.max(1, slots[at + SPAN] / 4096); // the largest pools: a sample, edges included
                for (long n = 0; n <= slots[at + SPAN] + blockSize; n += step) {
                    checkBoundary(geometry, c, magic, n);
                    checkBoundary(geometry, c, magic, n - n % blockSize); // a boundary near every sample
                    checkBoundary(geometry, c, magic, n - n % blockSize + 1);
                }
            }
        }
    }

    private static void checkBoundary(Geometry geometry, int sizeClass, long magic, long offset) {
        long blockSize = geometry.blockSize(sizeClass);
        assertEquals(offset % blockSize == 0, Long.compareUnsigned(offset * magic, magic - 1) <= 0,
                () -> geometry + ", class " + sizeClass + " (" + blockSize + " bytes), offset " + offset);
    }
}
