package org.jpymalloc;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The contract, run on the confined allocator, plus its thread rule. */
class ConfinedPyMallocTest extends AbstractPyMallocContractTest {

    @Override
    protected PyMalloc create(Geometry geometry) {
        return PyMalloc.ofConfined(geometry);
    }

    @Override
    protected void checkInvariants(PyMalloc allocator) {
        ((ConfinedAllocator) allocator).checkInvariants();
    }

    @Test
    void callsFromAnotherThreadThrowWrongThreadException() {
        MemorySegment s = allocator.allocate(32);
        assertWrongThread(() -> allocator.allocate(16));
        assertWrongThread(() -> allocator.allocate(16, 16));
        assertWrongThread(() -> allocator.allocateZeroed(16));
        assertWrongThread(() -> allocator.free(s));
        assertWrongThread(() -> allocator.reallocate(s, 64));
        assertWrongThread(() -> allocator.stats());
        assertWrongThread(() -> allocator.close());
        assertStillWorks();
        allocator.free(s);
    }

    @Test
    void segmentsAreConfinedToTheOwnerLikeAConfinedArena() {
        MemorySegment small = allocator.allocate(32);
        MemorySegment big = allocator.allocate(3000);
        assertWrongThread(() -> small.get(ValueLayout.JAVA_BYTE, 0));
        assertWrongThread(() -> big.get(ValueLayout.JAVA_BYTE, 0));
        allocator.free(small);
        allocator.free(big);
    }
}
