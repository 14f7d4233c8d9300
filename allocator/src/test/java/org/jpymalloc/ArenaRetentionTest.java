package org.jpymalloc;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Emptied arenas are kept warm for the decay time, then go back to the OS: the process's resident memory
 * (/proc/self/statm) falls once the decay has passed and the heap works again, or at once with trim().
 * CPython's arena counters are the same whatever the retention.
 */
class ArenaRetentionTest {

    private static final long MIB = 1 << 20;
    private static final int BLOCKS = 128 * 1024; // 64 MiB of 512-byte blocks: 256 arenas of 256 KiB

    @ParameterizedTest(name = "shared {0}")
    @ValueSource(booleans = {false, true})
    void residentMemoryFallsAfterTheDecayTime(boolean shared) throws Exception {
        try (PyMalloc heap = PyMalloc.builder().shared(shared).arenaDecay(Duration.ofMillis(200)).build()) {
            long before = residentBytes();
            freeAll(heap, fill(heap));
            long retained = heap.stats().spareArenas();
            assertTrue(retained > 200, "emptied arenas are retained: " + retained);
            long held = residentBytes();
            assertTrue(held - before > 48 * MIB, "retained arenas are still resident: " + (held - before) / MIB + " MiB");

            Thread.sleep(300);
            poolEvents(heap, ArenaTable.DECAY_TICKS); // decay is applied within that many pool-level events
            assertEquals(0, heap.stats().spareArenas(), "every retained arena decayed");
            long after = residentBytes();
            assertTrue(held - after > 48 * MIB, "the memory went back to the OS: " + (held - after) / MIB + " MiB");
        }
    }

    @Test
    void retainedArenasAreReusedWarmBeforeTheDecayAndTrimReturnsThemAtOnce() throws IOException {
        try (PyMalloc heap = PyMalloc.builder().arenaDecay(Duration.ofHours(1)).build()) {
            freeAll(heap, fill(heap));
            MallocStats emptied = heap.stats();
            assertTrue(emptied.spareArenas() > 200, "retained: " + emptied.spareArenas());
            long held = residentBytes();
            freeAll(heap, fill(heap));
            MallocStats refilled = heap.stats();
            assertEquals(emptied.arenasHighwater(), refilled.arenasHighwater(), "refilled from retained arenas");
            heap.trim();
            assertEquals(0, heap.stats().spareArenas());
            assertTrue(held - residentBytes() > 48 * MIB, "trim() returned the memory");
        }
    }

    @Test
    void cpythonsArenaCountersDoNotDependOnRetention() {
        MallocStats exact = run(PyMalloc.builder().spareArenas(0).build());
        MallocStats decaying = run(PyMalloc.builder().build());
        MallocStats zero = run(PyMalloc.builder().arenaDecay(Duration.ZERO).build());
        for (MallocStats other : List.of(decaying, zero)) {
            assertEquals(exact.arenasAllocatedTotal(), other.arenasAllocatedTotal());
            assertEquals(exact.arenasHighwater(), other.arenasHighwater());
            assertEquals(exact.arenasCurrent(), other.arenasCurrent());
            assertEquals(exact.toDebugMallocStats(), other.toDebugMallocStats());
        }
        assertEquals(0, zero.spareArenas(), "a zero decay unmaps at once, as CPython");
    }

    @Test
    void badRetentionSettingsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PyMalloc.builder().arenaDecay(Duration.ofMillis(-1)));
        assertEquals("arenaDecay must not be negative: PT-0.001S", e.getMessage());
        assertThrows(NullPointerException.class, () -> PyMalloc.builder().arenaDecay(null));
        PyMalloc closed = PyMalloc.ofConfined();
        closed.close();
        assertThrows(IllegalStateException.class, closed::trim);
    }

    private static MallocStats run(PyMalloc heap) {
        try (heap) {
            for (int round = 0; round < 3; round++) {
                freeAll(heap, fill(heap));
            }
            return heap.stats();
        }
    }

    private static List<MemorySegment> fill(PyMalloc heap) {
        List<MemorySegment> blocks = new ArrayList<>(BLOCKS);
        for (int i = 0; i < BLOCKS; i++) {
            MemorySegment s = heap.allocate(512);
            s.fill((byte) i); // touch every page
            blocks.add(s);
        }
        return blocks;
    }

    private static void freeAll(PyMalloc heap, List<MemorySegment> blocks) {
        blocks.forEach(heap::free);
    }

    /**
     * At least {@code count} pool-level events: each round fills a 512-byte pool and starts a second
     * (two pools taken), then frees every block (the full pool retired).
     */
    private static void poolEvents(PyMalloc heap, int count) {
        for (int i = 0; i < count; i++) {
            List<MemorySegment> blocks = new ArrayList<>();
            for (int b = 0; b < 8; b++) {
                blocks.add(heap.allocate(512));
            }
            freeAll(heap, blocks);
        }
    }

    /** Resident bytes of this process, from /proc/self/statm (pages of 4 KiB). */
    static long residentBytes() throws IOException {
        String[] fields = Files.readString(Path.of("/proc/self/statm")).trim().split("\\s+");
        return Long.parseLong(fields[1]) * 4096;
    }
}
