package org.jpymalloc;

/** The contract on a shared allocator with debug hooks (see {@link AbstractDebugContractTest}). */
class DebugSharedPyMallocTest extends AbstractDebugContractTest {

    @Override
    protected PyMalloc create(Geometry geometry) {
        return PyMalloc.builder().geometry(geometry).shared(true).debugHooks(true).build();
    }
}
