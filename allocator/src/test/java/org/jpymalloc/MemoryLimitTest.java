package org.jpymalloc;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code maxBytes}: a request past the limit fails cleanly, and the allocator recovers once memory is freed. */
class MemoryLimitTest {

    private static final long LIMIT = 4 * Geometry.CPYTHON_3_9.arenaSize(); // 1 MiB: four arenas

    private static PyMalloc limited(boolean shared) {
        return PyMalloc.builder().shared(shared).spareArenas(0).maxBytes(LIMIT).build();
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void poolRequestsStopAtTheLimitAndResumeAfterAFree(boolean shared) {
        try (PyMalloc heap = limited(shared)) {
            List<MemorySegment> blocks = new ArrayList<>();
            MemoryLimitError refused = null;
            while (refused == null) {
                try {
                    MemorySegment block = heap.allocate(64);
                    block.set(ValueLayout.JAVA_LONG, 0, blocks.size());
                    blocks.add(block);
                } catch (MemoryLimitError e) {
                    refused = e;
                }
            }
            assertEquals(LIMIT, refused.limit());
            assertEquals(64, refused.requested());
            assertEquals(Geometry.CPYTHON_3_9.arenaSize(), refused.needed());
            assertEquals(LIMIT, refused.inUse());
            assertEquals("jpymalloc memory limit of 1,048,576 bytes reached: a request for 64 bytes needs 262,144 more "
                    + "(a new arena), and 1,048,576 bytes are in use (arenas mapped and system-path blocks)",
                    refused.getMessage());
            MallocStats stats = heap.stats().checkIdentity();
            assertEquals(4, stats.arenasCurrent());
            assertEquals(blocks.size(), stats.blocksInUse(), "the refused request changed nothing");
            for (int i = 0; i < blocks.size(); i++) {
                assertEquals(i, blocks.get(i).get(ValueLayout.JAVA_LONG, 0), "block " + i + " intact");
            }
            assertThrows(MemoryLimitError.class, () -> heap.allocate(1000), "the system path counts too");

            heap.free(blocks.removeLast());
            MemorySegment again = heap.allocate(64);
            again.set(ValueLayout.JAVA_LONG, 0, -1);
            assertEquals(blocks.size() + 1, heap.stats().blocksInUse());
        }
    }

    @Test
    void cachedSystemBlocksCountByTheirCapacityAndGoBackWhenARequestNeedsTheRoom() {
        try (PyMalloc heap = PyMalloc.builder().maxBytes(15_000).systemBlockCache(1 << 20).build()) {
            MemorySegment big = heap.allocate(6_000); // asked of the C library at its step's 6,144 bytes
            MemoryLimitError full = assertThrows(MemoryLimitError.class, () -> heap.allocate(9_000));
            assertEquals(10_240, full.needed(), "9,000 rounds up to its step");
            assertEquals(6_144, full.inUse());
            heap.free(big);
            assertEquals(1, heap.stats().systemCachedBlocks());
            assertEquals(6_144, heap.stats().systemHeldBytes(), "the cached block is still held");
            MemorySegment bigger = heap.allocate(9_000); // 6,144 + 10,240 > 15,000: the cached block goes first
            assertEquals(0, heap.stats().systemCachedBlocks());
            assertEquals(10_240, heap.stats().systemHeldBytes());
            assertThrows(IllegalStateException.class, () -> big.get(ValueLayout.JAVA_BYTE, 0), "its scope closed");
            bigger.set(ValueLayout.JAVA_LONG, 8_992, 7L);
            heap.free(bigger);
        }
    }

    @Test
    void systemBlocksAndReallocationsCountByTheirBytes() {
        try (PyMalloc heap = PyMalloc.builder().maxBytes(10_000).build()) {
            MemorySegment big = heap.allocate(6_000);
            big.set(ValueLayout.JAVA_INT, 0, 42);
            MemoryLimitError grow = assertThrows(MemoryLimitError.class, () -> heap.reallocate(big, 12_000));
            assertEquals(12_000, grow.requested());
            assertEquals(6_000, grow.needed());
            assertEquals(6_000, grow.inUse());
            assertEquals(42, big.get(ValueLayout.JAVA_INT, 0), "the block is unchanged");
            MemorySegment smaller = heap.reallocate(big, 3_000);
            MemorySegment second = heap.allocate(6_000); // fits again: 3,000 + 6,000
            assertThrows(MemoryLimitError.class, () -> heap.allocate(2_000));
            heap.free(second);
            heap.free(smaller);
            heap.allocate(9_000);
            assertThrows(MemoryLimitError.class, () -> heap.allocate(64), "a new arena is 262,144 bytes");
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aRefusedMmapFailsTheRequestAndChangesNothing(boolean shared) {
        try (PyMalloc heap = PyMalloc.builder().shared(shared).spareArenas(0).build()) {
            List<MemorySegment> blocks = new ArrayList<>();
            blocks.add(heap.allocate(512)); // the first arena
            NativeMemory.FAIL_NEXT_MMAPS.set(1); // the kernel refuses the second
            OutOfMemoryError refused;
            try {
                refused = assertThrows(OutOfMemoryError.class, () -> {
                    while (true) {
                        MemorySegment block = heap.allocate(512);
                        block.set(ValueLayout.JAVA_INT, 0, blocks.size());
                        blocks.add(block);
                    }
                });
            } finally {
                NativeMemory.FAIL_NEXT_MMAPS.set(0);
            }
            assertTrue(refused.getMessage().startsWith("cannot map a new 262144-byte arena: mmap(262144) failed with "
                    + "errno 12"), refused.getMessage());
            MallocStats stats = heap.stats().checkIdentity();
            assertEquals(1, stats.arenasCurrent(), "no arena half-made");
            assertEquals(blocks.size(), stats.blocksInUse(), "the refused request changed nothing");
            for (int i = 1; i < blocks.size(); i++) {
                assertEquals(i, blocks.get(i).get(ValueLayout.JAVA_INT, 0), "block " + i + " intact");
            }
            heap.allocate(512); // the next mmap succeeds: the allocator goes on
            assertEquals(2, heap.stats().arenasCurrent());
        }
    }

    @Test
    void badLimitsAreRejectedByValue() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> PyMalloc.builder().maxBytes(0));
        assertEquals("maxBytes must be positive: 0", zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PyMalloc.builder().maxBytes(-5));
        try (PyMalloc tiny = PyMalloc.builder().maxBytes(1).build()) {
            assertThrows(MemoryLimitError.class, () -> tiny.allocate(16));
            assertTrue(tiny.allocate(0).byteSize() == 0, "a 0-byte block needs no budget");
        }
    }
}
