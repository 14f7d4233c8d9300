package org.jpymalloc;

/** The contract on a confined allocator with debug hooks (see {@link AbstractDebugContractTest}). */
class DebugConfinedPyMallocTest extends AbstractDebugContractTest {

    @Override
    protected PyMalloc create(Geometry geometry) {
        return PyMalloc.builder().geometry(geometry).shared(false).debugHooks(true).build();
    }
}
