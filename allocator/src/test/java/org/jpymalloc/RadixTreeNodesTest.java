package org.jpymalloc;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The arena map counts are what CPython's radix tree would make for the same arena addresses: obmalloc's
 * constants for 3.10 (48 address bits) and 3.11+ (64), nodes made once and kept, an unaligned arena
 * reaching the node of its tail as well.
 */
class RadixTreeNodesTest {

    private static final long MIB = 1 << 20;

    @Test
    void nodeSizesAreCPythons() {
        assertEquals(8_192, Geometry.CPYTHON_3_10.arenaMapRootBytes(), "3.10.13 prints 8,192 for the root");
        assertEquals(2_048, Geometry.CPYTHON_3_10.arenaMapBottomNodeBytes());
        for (Geometry g : new Geometry[] {Geometry.CPYTHON_3_11, Geometry.CPYTHON_3_12, Geometry.CPYTHON_3_13}) {
            assertEquals(262_144, g.arenaMapRootBytes(), "3.11-3.13 print 262,144 for the root");
            assertEquals(131_072, g.arenaMapBottomNodeBytes());
        }
        assertEquals(0, Geometry.CPYTHON_3_9.arenaMapRootBytes());
        assertEquals(Geometry.RadixTree.NONE, new Geometry(1 << 20, 16 << 10, 16, 512).radixTree());
        assertThrows(NullPointerException.class, () -> new Geometry(1 << 20, 16 << 10, 16, 512, null));
    }

    @Test
    void alignedArenasInOneBottomRangeShareTheirNodes() {
        RadixTreeNodes nodes = new RadixTreeNodes(Geometry.CPYTHON_3_11);
        nodes.arenaMapped(0x7f00_0000_0000L);
        nodes.arenaMapped(0x7f00_0010_0000L);
        nodes.arenaMapped(0x7f00_0000_0000L); // mapped again (reused): nodes are never made twice
        assertEquals(1, nodes.midNodes());
        assertEquals(1, nodes.bottomNodes());
    }

    @Test
    void anUnalignedArenaReachesTheNodeOfItsTail() {
        // 3.11+: a bottom node covers 2^(20+14) bytes = 16 GiB; this arena starts 512 KiB before a boundary.
        RadixTreeNodes nodes = new RadixTreeNodes(Geometry.CPYTHON_3_11);
        nodes.arenaMapped((1L << 34) - MIB / 2);
        assertEquals(1, nodes.midNodes());
        assertEquals(2, nodes.bottomNodes());
        // The same below a mid boundary (2^(20+14+15) bytes): two mid nodes.
        RadixTreeNodes far = new RadixTreeNodes(Geometry.CPYTHON_3_11);
        far.arenaMapped((1L << 49) - MIB / 2);
        assertEquals(2, far.midNodes());
        assertEquals(2, far.bottomNodes());
    }

    @Test
    void cpython310IgnoresTheTop16AddressBits() {
        RadixTreeNodes nodes = new RadixTreeNodes(Geometry.CPYTHON_3_10);
        nodes.arenaMapped(0x0000_7f00_0000_0000L);
        nodes.arenaMapped(0x0001_7f00_0000_0000L); // differs only above bit 48
        assertEquals(1, nodes.midNodes());
        assertEquals(1, nodes.bottomNodes());
        // 3.10: a bottom node covers 2^(20+8) bytes = 256 MiB.
        nodes.arenaMapped(0x0000_7f00_1000_0000L);
        assertEquals(2, nodes.bottomNodes());
    }

    @Test
    void aGeometryWithoutATreeCountsNothing() {
        RadixTreeNodes nodes = new RadixTreeNodes(Geometry.CPYTHON_3_9);
        nodes.arenaMapped(0x7f00_0000_1000L);
        assertEquals(0, nodes.midNodes());
        assertEquals(0, nodes.bottomNodes());
    }

    @Test
    void anAllocatorReportsItsArenasNodesInCPythonsText() {
        try (PyMalloc heap = PyMalloc.ofConfined(Geometry.CPYTHON_3_12)) {
            heap.allocate(64);
            MallocStats stats = heap.stats();
            assertTrue(stats.arenaMapMidNodes() >= 1 && stats.arenaMapBottomNodes() >= 1, stats.toString());
            String text = stats.toDebugMallocStats();
            assertTrue(text.contains("\narena map counts\n# arena map mid nodes              =                    1\n"),
                    text);
            assertTrue(text.contains("# bytes lost to arena map root     =              262,144\n"), text);
            assertEquals(stats.arenaMapBytes(), 262_144L * (1 + stats.arenaMapMidNodes())
                    + 131_072L * stats.arenaMapBottomNodes());
        }
        try (PyMalloc heap = PyMalloc.ofConfined(Geometry.CPYTHON_3_9)) {
            heap.allocate(64);
            assertTrue(!heap.stats().toDebugMallocStats().contains("arena map"));
        }
    }
}
