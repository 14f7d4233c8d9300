package org.jpymalloc;

/**
 * The contract once more on a confined allocator with a system-block cache ({@code systemBlockCache}, off
 * by default when confined): freed large blocks are kept, confined scopes open, to serve again, so a stale
 * segment of one reaches the allocator's memory until {@link PyMalloc#trim()} ({@link
 * #cachesFreedSystemBlocks()} true), and every bad input is also exercised on that path.
 */
class ConfinedCachingPyMallocTest extends AbstractPyMallocContractTest {

    @Override
    protected PyMalloc create(Geometry geometry) {
        return PyMalloc.builder().geometry(geometry).systemBlockCache(16 << 20).build();
    }

    @Override
    protected void checkInvariants(PyMalloc allocator) {
        ((ConfinedAllocator) allocator).checkInvariants();
    }

    @Override
    protected boolean cachesFreedSystemBlocks() {
        return true;
    }
}
