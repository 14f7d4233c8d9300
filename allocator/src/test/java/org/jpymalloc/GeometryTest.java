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
        // The examples of ../shared/PYMALLOC.md
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
        assertMessage("arenaSize must be between 4096 and 68719476736: 2048", () -> new Geometry(2048, 512, 16, 128));
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
