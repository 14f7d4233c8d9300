package org.jpymalloc;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's usage example, verbatim apart from the assertions, so that it keeps compiling and working. */
class ReadmeExampleTest {

    @Test
    void theReadmeExampleWorks() {
        String text;
        try (PyMalloc heap = PyMalloc.ofConfined()) {          // CPython 3.9 geometry; confined to this thread
            MemorySegment point = heap.allocate(16);           // exactly 16 bytes, 16-byte aligned, not zeroed
            point.set(JAVA_INT, 0, 42);
            MemorySegment name = heap.allocateFrom("pymalloc"); // any SegmentAllocator method works
            MemorySegment list = heap.allocateZeroed(64);       // calloc
            list = heap.reallocate(list, 200);                 // pymalloc's realloc rule
            heap.free(point);                                  // individually freed
            text = heap.stats().toDebugMallocStats();          // CPython's sys._debugmallocstats() text
            assertEquals("pymalloc", name.getString(0));
            assertEquals(200, list.byteSize());
        }                                                      // close(): frees everything, unmaps every arena
        assertTrue(text.startsWith("Small block threshold = 512, in 32 size classes."), text);

        try (PyMalloc heap = PyMalloc.builder().geometry(Geometry.CPYTHON_3_10).shared(true).spareArenas(0).build()) {
            assertEquals(Geometry.CPYTHON_3_10, heap.geometry());
        }
    }

    @Test
    void theReadmeAddressExampleWorks() {
        try (PyMalloc heap = PyMalloc.ofConfined()) {
            long node = heap.allocateAddress(48);                  // a pool block, no MemorySegment made
            MemorySegment view = MemorySegment.ofAddress(node).reinterpret(48); // when you need to read or write it
            view.set(JAVA_INT, 44, 9);
            node = heap.reallocateAddress(node, 64);               // same realloc rule
            assertEquals(9, MemorySegment.ofAddress(node).reinterpret(64).get(JAVA_INT, 44));
            heap.freeAddress(node);                                // double, interior, foreign: IllegalArgumentException
            long freed = node;
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> heap.freeAddress(freed));
        }
    }

    @Test
    void theReadmeSafetyExampleWorks() {
        try (PyMalloc heap = PyMalloc.builder().shared(true)
                .leakDetection(LeakDetection.Level.ALL)        // report dropped handles with their stacks
                .atClose(LeakDetection.AtClose.THROW)          // live blocks at close() are an error
                .maxBytes(64 << 20)                             // MemoryLimitError past 64 MiB
                .debugHooks(true)                               // guards, fills, quarantine
                .build()) {
            Handle h = heap.allocateHandle(64);                 // reference count 1
            h.segment().set(JAVA_INT, 0, 7);
            Handle forWorker = h.retain();                      // 2: another thread may release it
            forWorker.release();                                // 1
            h.release();                                        // 0: freed
            heap.checkGuards();                                 // every live block's guard bytes
            assertEquals(0, h.refCount());
        }
    }
}
