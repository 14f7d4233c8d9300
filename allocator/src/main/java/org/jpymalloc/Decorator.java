package org.jpymalloc;

/**
 * An allocator that adds a behaviour around another (debug hooks, tracing) and passes the rest through:
 * geometry, statistics, occupancy, guard checks, and handles built on its own {@code allocate}.
 */
abstract sealed class Decorator implements PyMalloc permits DebugHooks, TracingAllocator {

    final PyMalloc inner;
    final HandleSettings handles;

    Decorator(PyMalloc inner, HandleSettings handles) {
        this.inner = inner;
        this.handles = handles;
    }

    @Override
    public Handle allocateHandle(long byteSize) {
        return Handle.wrap(this, allocate(byteSize, 1), handles);
    }

    /**
     * A thread heap with this decorator's options ({@link DecoratedThreadHeap}), if the allocator under the
     * decorators is shared.
     */
    @Override
    public PyMalloc threadHeap() {
        PyMalloc root = inner;
        while (root instanceof Decorator decorator) {
            root = decorator.inner;
        }
        if (root instanceof SharedAllocator shared) {
            return new DecoratedThreadHeap(this, shared);
        }
        return root.threadHeap(); // throws, naming ofShared()
    }

    @Override
    public Geometry geometry() {
        return inner.geometry();
    }

    @Override
    public MallocStats stats() {
        return inner.stats();
    }

    @Override
    public ArenaOccupancy occupancy() {
        return inner.occupancy();
    }

    @Override
    public void checkGuards() {
        inner.checkGuards();
    }

    @Override
    public void trim() {
        inner.trim();
    }
}
