package org.jpymalloc;

/**
 * The contract once more on a confined allocator without the system-block cache ({@code
 * systemBlockCache(0)}): every large block gets a scope of its own, closed at its free, so a stale segment
 * of a freed large block throws at once ({@link #cachesFreedSystemBlocks()} false), and every bad input is
 * also exercised on that path.
 */
class ConfinedNoCachePyMallocTest extends AbstractPyMallocContractTest {

    @Override
    protected PyMalloc create(Geometry geometry) {
        return PyMalloc.builder().geometry(geometry).systemBlockCache(0).build();
    }

    @Override
    protected void checkInvariants(PyMalloc allocator) {
        ((ConfinedAllocator) allocator).checkInvariants();
    }
}
