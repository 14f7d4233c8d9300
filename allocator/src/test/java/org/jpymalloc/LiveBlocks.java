package org.jpymalloc;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Blocks a test keeps alive, each filled with a pattern derived from a cookie (mimalloc's
 * {@code test-stress.c} idea), so that any test can assert that misuse left every live block intact.
 */
final class LiveBlocks {

    private final List<MemorySegment> segments = new ArrayList<>();
    private final List<Long> cookies = new ArrayList<>();

    /** Allocates one block of each size in {@code sizes} and fills it. */
    static LiveBlocks of(PyMalloc allocator, long... sizes) {
        LiveBlocks blocks = new LiveBlocks();
        for (long size : sizes) {
            blocks.add(allocator.allocate(size));
        }
        return blocks;
    }

    MemorySegment add(MemorySegment segment) {
        long cookie = segment.address() * 31 + segments.size();
        fill(segment, cookie);
        segments.add(segment);
        cookies.add(cookie);
        return segment;
    }

    void assertIntact() {
        for (int i = 0; i < segments.size(); i++) {
            assertPattern(segments.get(i), cookies.get(i));
        }
    }

    void freeAll(PyMalloc allocator) {
        assertIntact();
        segments.forEach(allocator::free);
        segments.clear();
        cookies.clear();
    }

    static void fill(MemorySegment segment, long cookie) {
        for (long i = 0; i < segment.byteSize(); i++) {
            segment.set(ValueLayout.JAVA_BYTE, i, patternByte(cookie, i));
        }
    }

    static void assertPattern(MemorySegment segment, long cookie) {
        for (long i = 0; i < segment.byteSize(); i++) {
            if (segment.get(ValueLayout.JAVA_BYTE, i) != patternByte(cookie, i)) {
                assertEquals(patternByte(cookie, i), segment.get(ValueLayout.JAVA_BYTE, i),
                        "byte " + i + " of the block at 0x" + Long.toHexString(segment.address()));
            }
        }
    }

    private static byte patternByte(long cookie, long i) {
        return (byte) (cookie ^ (cookie >>> 13) ^ (i * 0x9E3779B1L >>> 7));
    }

    /**
     * Allocates 512-byte blocks into {@code blocks} until {@code heap} remembers another arena than the
     * first block's (its last new pool came from a second arena); answers the first block's arena.
     */
    static MappedArena fillPastFirstArena(PyMalloc allocator, Heap heap, List<MemorySegment> blocks) {
        MemorySegment first = allocator.allocate(512);
        blocks.add(first);
        MappedArena firstArena = heap.cachedArena(first.address());
        assertNotNull(firstArena, "the arena of a new pool is remembered");
        while (heap.cachedArena(first.address()) != null) {
            assertTrue(blocks.size() < 100_000, "no second arena after " + blocks.size() + " blocks");
            blocks.add(allocator.allocate(512));
        }
        return firstArena;
    }
}
