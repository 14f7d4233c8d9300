package org.jpymalloc.bench.cli;

import org.jpymalloc.ArenaPolicy;
import org.jpymalloc.Geometry;
import org.jpymalloc.bench.replay.AllocatorSpec;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Allocator and geometry names as the command line takes them, good and bad. */
class AllocatorNamesTest {

    private static AllocatorSpec parse(String text) {
        return AllocatorNames.parse(text, Geometry.CPYTHON_3_9);
    }

    private static String error(String text) {
        return assertThrows(IllegalArgumentException.class, () -> parse(text)).getMessage();
    }

    @Test
    void presetsSuffixesAndLabels() {
        AllocatorSpec spec = parse("jpymalloc-3.10:spares=64");
        assertEquals(64, spec.spareArenas());
        assertSame(Geometry.CPYTHON_3_10, spec.geometry());
        assertSame(ArenaPolicy.CPYTHON, spec.policy());
        AllocatorSpec both = parse("jpymalloc:policy=address:spares=0");
        assertEquals(0, both.spareArenas());
        assertSame(ArenaPolicy.ADDRESS_ORDERED, both.policy());
        assertEquals("jpymalloc:policy=address:spares=0 (cpython-3.9)", both.label());
        assertEquals(both.policy(), parse("jpymalloc:spares=0:policy=address").policy(), "suffixes in any order");
        AllocatorSpec shared = parse("jpymalloc-shared:policy=mru");
        assertTrue(shared.shared());
        assertSame(ArenaPolicy.MOST_RECENTLY_USED, shared.policy());
        assertSame(AllocatorSpec.Mode.SHARED, shared.mode());
        AllocatorSpec threadHeap = parse("jpymalloc-threadheap:spares=0");
        assertSame(AllocatorSpec.Mode.THREAD_HEAP, threadHeap.mode());
        assertTrue(threadHeap.shared());
        assertEquals("jpymalloc-threadheap:spares=0 (cpython-3.9)", threadHeap.label());
        assertSame(AllocatorSpec.Mode.CONFINED, parse("jpymalloc-3.12").mode());
        AllocatorSpec glibc = parse("glibc");
        assertNull(glibc.geometry());
        assertEquals("glibc", glibc.withSpareArenas(3).label(), "C allocators have no spares");
        assertEquals("jpymalloc-3.9 spares=2", parse("jpymalloc-3.9").withSpareArenas(2).label());
    }

    @Test
    void badNamesSayWhatIsWrongAndWhatIsValid() {
        assertTrue(error("dlmalloc").startsWith("unknown allocator 'dlmalloc'; known: jpymalloc,"));
        assertEquals("':spares=3' applies to jpymalloc only, not 'glibc:spares=3'", error("glibc:spares=3"));
        assertEquals("bad spare arena count 'x' in 'jpymalloc:spares=x'", error("jpymalloc:spares=x"));
        assertEquals("bad spare arena count '-2' in 'jpymalloc:spares=-2'", error("jpymalloc:spares=-2"));
        assertEquals("unknown arena policy 'lifo'; valid: cpython, cpython-3.8, address, mru, oldest, emptiest",
                error("jpymalloc:policy=lifo"));
        assertEquals("bad suffix ':policy=mru' in 'jpymalloc:policy=address:policy=mru'; a jpymalloc name takes "
                + ":spares=N and :policy=NAME, each once", error("jpymalloc:policy=address:policy=mru"));
        assertTrue(error("jpymalloc:decay=1s").startsWith("bad suffix ':decay=1s'"));
        assertThrows(IllegalArgumentException.class, () -> AllocatorNames.parseList("glibc,,jpymalloc", Geometry.CPYTHON_3_9));
        assertThrows(IllegalArgumentException.class, () -> AllocatorNames.parseList("glibc,", Geometry.CPYTHON_3_9));
        assertEquals("allocator 'glibc' named twice in 'glibc,glibc'", assertThrows(IllegalArgumentException.class,
                () -> AllocatorNames.parseList("glibc,glibc", Geometry.CPYTHON_3_9)).getMessage());
    }

    @Test
    void geometriesByPresetAndByShape() {
        assertThrows(IllegalArgumentException.class, () -> GeometryNames.parse("cpython-3.14"));
        assertEquals(Geometry.CPYTHON_3_12, GeometryNames.parse("cpython-3.12"));
        assertThrows(IllegalArgumentException.class, () -> GeometryNames.parse("arena=256K,pool=4K,alignment=16"));
        assertThrows(IllegalArgumentException.class,
                () -> GeometryNames.parse("arena=256K,pool=3K,alignment=16,threshold=512"));
        assertEquals(Geometry.CPYTHON_3_9, GeometryNames.parse("arena=256K,pool=4K,alignment=16,threshold=512"));
        Geometry custom = GeometryNames.parse("arena=1M,pool=8K,alignment=16,threshold=256");
        assertEquals(custom, GeometryNames.parse(GeometryNames.describe(custom)));
    }
}
