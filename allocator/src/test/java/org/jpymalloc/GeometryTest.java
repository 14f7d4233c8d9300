package org.jpymalloc;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GeometryTest {

    @Test
    void presetsMatchCPython() {
        assertGeometry(Geometry.CPYTHON_3_7, 256 << 10, 4 << 10, 8, 64);
        assertGeometry(Geometry.CPYTHON_3_9, 256 << 10, 4 << 10, 16, 32);
        assertGeometry(Geometry.CPYTHON_3_10, 1 << 20, 16 << 10, 16, 32);
    }

    private static void assertGeometry(Geometry g, long arena, long pool, long alignment, int classes) {
        assertEquals(arena, g.arenaSize());
        assertEquals(pool, g.poolSize());
        assertEquals(alignment, g.alignment());
        assertEquals(512, g.smallRequestThreshold());
        assertEquals(classes, g.sizeClassCount());
        assertEquals(48, g.poolHeaderSize());
    }

    @Test
    void everySizeFromZeroToThresholdPlusOneMapsToItsClass() {
        for (Geometry g : new Geometry[] {Geometry.CPYTHON_3_7, Geometry.CPYTHON_3_9, Geometry.CPYTHON_3_10}) {
            assertEquals(-1, g.sizeClassIndex(0), "0 bytes take the system path");
            for (long n = 1; n <= g.smallRequestThreshold(); n++) {
                int c = g.sizeClassIndex(n);
                long block = g.blockSize(c);
                assertTrue(block >= n && block - n < g.alignment(), "size " + n + " -> class " + c + " of " + block);
                assertEquals((n + g.alignment() - 1) / g.alignment() - 1, c, "size " + n);
            }
            assertEquals(-1, g.sizeClassIndex(g.smallRequestThreshold() + 1), "threshold + 1 is a system request");
        }
        // The examples of docs/pymalloc.md
        Geometry g = Geometry.CPYTHON_3_9;
        assertEquals(0, g.sizeClassIndex(1));
        assertEquals(0, g.sizeClassIndex(16));
        assertEquals(1, g.sizeClassIndex(17));
        assertEquals(31, g.sizeClassIndex(512));
    }

    @ParameterizedTest
    @CsvSource({"0, 16, 253", "31, 512, 7", "3, 64, 63", "15, 256, 15"})
    void blocksPerPoolOfCPython39(int sizeClass, long blockSize, int blocks) {
        assertEquals(blockSize, Geometry.CPYTHON_3_9.blockSize(sizeClass));
        assertEquals(blocks, Geometry.CPYTHON_3_9.blocksPerPool(sizeClass));
    }

    @Test
    void blocksPerPoolOfCPython310() {
        assertEquals((16384 - 48) / 16, Geometry.CPYTHON_3_10.blocksPerPool(0));
        assertEquals((16384 - 48) / 512, Geometry.CPYTHON_3_10.blocksPerPool(31));
    }

    @Test
    void badGeometriesAreRejectedNamingTheValue() {
        assertMessage("arenaSize must be a power of two: 300000", () -> new Geometry(300_000, 4096, 16, 512));
        assertMessage("poolSize must be a power of two: 0", () -> new Geometry(1 << 18, 0, 16, 512));
        assertMessage("alignment must be a power of two: 24", () -> new Geometry(1 << 18, 4096, 24, 512));
        assertMessage("alignment must be at least 8 (a free block holds a pointer): 4",
                () -> new Geometry(1 << 18, 4096, 4, 512));
        assertMessage("smallRequestThreshold must be a positive multiple of the alignment 16: 500",
                () -> new Geometry(1 << 18, 4096, 16, 500));
        assertMessage("smallRequestThreshold must be a positive multiple of the alignment 16: -16",
                () -> new Geometry(1 << 18, 4096, 16, -16));
        assertMessage("arenaSize 4096 must hold at least two pools of poolSize 4096",
                () -> new Geometry(4096, 4096, 16, 512));
        assertMessage("a pool of poolSize 1024 cannot hold its 48-byte header and two blocks of smallRequestThreshold 512",
                () -> new Geometry(1 << 18, 1024, 16, 512));
        assertMessage("arenaSize must be between 4096 and 1073741824: 2048", () -> new Geometry(2048, 512, 16, 128));
    }

    /**
     * Issue #12's second reproduction: 252 classes of 8 bytes were accepted, and a pool's class then did not
     * fit its byte (ArrayIndexOutOfBoundsException: Index -128 with trackRequestedBytes). Every limit of the
     * bookkeeping is refused at construction, naming it.
     */
    @Test
    void shapesTheBookkeepingCannotHoldAreRefusedNamingTheLimit() {
        assertMessage("smallRequestThreshold must be at most 1024 (an in-place realloc's slack, up to a quarter of a"
                + " block, is kept in one byte): 2016", () -> new Geometry(256 << 10, 4 << 10, 8, 2016));
        assertMessage("alignment must be at most 256 (a block's slack is kept in one byte): 512",
                () -> new Geometry(1 << 20, 16 << 10, 512, 1024));
        assertMessage("arenaSize must be between 4096 and 1073741824: 68719476736",
                () -> new Geometry(1L << 36, 16 << 10, 16, 512));
        assertMessage("arenaSize / poolSize (pools per arena) must be at most 65536: 1073741824 / 8192",
                () -> new Geometry(1L << 30, 8 << 10, 16, 512));
        // At every limit, accepted (the misuse harness's geometry grid runs such shapes with every option):
        assertEquals(Geometry.MAX_SIZE_CLASSES, new Geometry(256 << 10, 4 << 10, 8, 1024).sizeClassCount());
        assertEquals(256, new Geometry(256 << 10, 8 << 10, 256, 1024).poolHeaderSize());
        new Geometry(Geometry.MAX_ARENA_SIZE, 16 << 10, 16, 512);
    }

    @Test
    void theOddestSmallShapesWorkWithEveryOption() {
        for (Geometry g : new Geometry[] {new Geometry(4096, 2048, 8, 992), new Geometry(256 << 10, 4 << 10, 8, 1024),
                new Geometry(256 << 10, 8 << 10, 256, 1024)}) {
            GeometryGrid.exercise(g, PyMalloc.builder().geometry(g).trackRequestedBytes(true)
                    .atClose(LeakDetection.AtClose.THROW).build());
            GeometryGrid.exercise(g, PyMalloc.builder().geometry(g).shared(true).trackRequestedBytes(true).debugHooks(true)
                    .build());
        }
    }

    @Test
    void customGeometriesWork() {
        Geometry g = new Geometry(64 << 10, 8 << 10, 32, 1024);
        assertEquals(64, g.poolHeaderSize(), "the header rounds up to the alignment");
        assertEquals(32, g.sizeClassCount());
        assertEquals(1024, g.blockSize(31));
        assertEquals((8192 - 64) / 1024, g.blocksPerPool(31));
    }

    @Test
    void badArgumentsToLookupsAreRejected() {
        assertMessage("byteSize must not be negative: -1", () -> Geometry.CPYTHON_3_9.sizeClassIndex(-1));
        assertMessage("sizeClassIndex must be in [0, 32): 32", () -> Geometry.CPYTHON_3_9.blockSize(32));
        assertMessage("sizeClassIndex must be in [0, 32): -1", () -> Geometry.CPYTHON_3_9.blocksPerPool(-1));
    }

    static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertEquals(expected, e.getMessage());
    }
}
