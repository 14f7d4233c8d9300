package org.jpymalloc;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link MappedArena#owns} decides by the scope's identity alone: a segment the arena did not slice is
 * refused even when its address is a live block's, native or not.
 */
class MappedArenaOwnsTest {

    @Test
    void onlyTheArenasOwnSlicesAreOwned() {
        for (PyMalloc root : new PyMalloc[] {PyMalloc.ofConfined(), PyMalloc.ofShared()}) {
            try (root) {
                PyMalloc allocator = root instanceof ConfinedAllocator ? root : root.threadHeap();
                MemorySegment block = allocator.allocate(64);
                Heap heap = allocator instanceof ConfinedAllocator confined ? confined.heap()
                        : ((ThreadHeap) allocator).heap();
                MappedArena arena = heap.arenaOf(block.address());
                assertNotNull(arena, "a pool block's arena");
                assertTrue(arena.owns(block), "the segment allocate returned");
                assertTrue(arena.owns(block.asSlice(16, 16)), "a slice of it");
                assertFalse(arena.owns(MemorySegment.ofAddress(block.address()).reinterpret(64)),
                        "a global-scope segment at the block's address");
                try (Arena other = Arena.ofConfined()) {
                    assertFalse(arena.owns(MemorySegment.ofAddress(block.address()).reinterpret(64, other, null)),
                            "a segment of another arena's scope at the block's address");
                }
                assertFalse(arena.owns(MemorySegment.ofArray(new byte[64])), "a heap segment");
                assertThrows(IllegalArgumentException.class,
                        () -> allocator.free(MemorySegment.ofAddress(block.address()).reinterpret(64)),
                        "free of a segment the arena did not slice");
                allocator.free(block); // still live after the refused free
            }
        }
    }
}
