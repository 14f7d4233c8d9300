package org.jpymalloc;

/**
 * The contract once more on the shared allocator with the owner bias off, so that every check, every bad
 * input and every error message is also exercised on the locked path (the default run is mostly the
 * owner's path, since the test thread owns its stripe after its first operation).
 */
class SharedLockedPyMallocTest extends AbstractPyMallocContractTest {

    @Override
    protected PyMalloc create(Geometry geometry) {
        return new SharedAllocator(geometry, Stripes.defaultCount(), ArenaRetention.defaults(), ArenaPolicy.CPYTHON,
                HandleSettings.defaults(), MemoryBudget.unlimited(), false, -1);
    }

    @Override
    protected void checkInvariants(PyMalloc allocator) {
        ((SharedAllocator) allocator).checkInvariants();
    }

    @Override
    protected boolean cachesFreedSystemBlocks() {
        return true;
    }
}
