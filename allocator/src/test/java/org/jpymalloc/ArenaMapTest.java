package org.jpymalloc;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Ownership lookups on fake (unmapped) arenas at chosen addresses: nothing here touches memory. */
class ArenaMapTest {

    private static final Geometry G = Geometry.CPYTHON_3_10; // 1 MiB arenas, 16 KiB pools
    private static final long MIB = 1 << 20;

    private static MappedArena fake(int index, long base) {
        return new MappedArena(null, index, base, G, null, null);
    }

    @Test
    void unalignedArenasShareAChunkAndAreToldApart() {
        ArenaMap map = new ArenaMap(G);
        long base = 0x7f00_0000_0000L;
        MappedArena a = fake(0, base + 4096);              // spans chunk k (high part) and k+1 (low part)
        MappedArena b = fake(1, base + MIB + 4096);        // starts right where a ends
        map.add(a);
        map.add(b);
        assertNull(map.lookup(base + 4095));
        assertSame(a, map.lookup(base + 4096));
        assertSame(a, map.lookup(base + MIB + 4095));
        assertSame(b, map.lookup(base + MIB + 4096));
        assertSame(b, map.lookup(base + 2 * MIB + 4095));
        assertNull(map.lookup(base + 2 * MIB + 4096));
        assertEquals(3, map.chunkCount());
        assertEquals(16384 * 1, G.arenaSize() - a.totalPools * G.poolSize(), "one pool lost to alignment");

        map.remove(a);
        assertNull(map.lookup(base + 4096));
        assertNull(map.lookup(base + MIB));
        assertSame(b, map.lookup(base + MIB + 4096), "b keeps the shared chunk");
        map.remove(b);
        assertEquals(0, map.chunkCount());
    }

    @Test
    void alignedArenasTakeOneChunkAndLoseNoPool() {
        ArenaMap map = new ArenaMap(G);
        MappedArena a = fake(0, 64 * MIB);
        map.add(a);
        assertEquals(1, map.chunkCount());
        assertEquals(64, a.totalPools);
        assertSame(a, map.lookup(65 * MIB - 1));
        assertNull(map.lookup(65 * MIB));
    }

    @Test
    void randomAddsAndRemovesAgreeWithAModel() {
        Random random = new Random(42);
        ArenaMap map = new ArenaMap(G);
        List<MappedArena> live = new ArrayList<>();
        for (int step = 0; step < 5000; step++) {
            if (live.isEmpty() || random.nextInt(3) > 0) {
                // Non-overlapping slots of 2 MiB, each arena at a random page offset inside its slot.
                long slot = random.nextInt(1 << 16);
                long base = (1L << 40) + slot * 2 * MIB + random.nextInt(256) * 4096L;
                if (live.stream().noneMatch(x -> x.base >>> 21 == base >>> 21)) {
                    MappedArena a = fake(step, base);
                    map.add(a);
                    live.add(a);
                }
            } else {
                map.remove(live.remove(random.nextInt(live.size())));
            }
            if (step % 50 == 0) {
                for (MappedArena a : live) {
                    assertSame(a, map.lookup(a.base));
                    assertSame(a, map.lookup(a.base + random.nextLong(MIB)));
                    assertSame(a, map.lookup(a.base + MIB - 1));
                    MappedArena before = map.lookup(a.base - 1);
                    assertEquals(null, before, "nothing lives just below an arena here");
                }
            }
        }
    }
}
