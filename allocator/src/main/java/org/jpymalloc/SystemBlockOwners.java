package org.jpymalloc;

/**
 * Which heap's own system path holds each block that a thread heap got from the C library: the index a
 * free from another thread (or through the shared allocator) follows to the block's heap, whose guard it
 * then takes ({@link SharedAllocator}'s system free). A thread heap's pair of a cached block never touches
 * it: it is written only when a block comes from the C library and when it goes back, so a block keeps its
 * heap while it waits in that heap's cache.
 *
 * <p>A leaf lock guards it: taken with or without a heap's guard held, and nothing is taken or awaited
 * while it is held (so a heap's owner, inside its handshake, may take it while a whole-allocator operation
 * waits for that owner).
 */
final class SystemBlockOwners {

    private final StripeLock lock = new StripeLock(-1);
    private final AddressMap<Heap> owners = new AddressMap<>();

    /** The heap whose own path holds the block at {@code address} (live or cached), or null. */
    Heap heapOf(long address) {
        Thread me = Thread.currentThread();
        lock.lock(me);
        try {
            return owners.get(address);
        } finally {
            lock.unlock(me);
        }
    }

    /** How many blocks are recorded; for tests. */
    int size() {
        Thread me = Thread.currentThread();
        lock.lock(me);
        try {
            return owners.size();
        } finally {
            lock.unlock(me);
        }
    }

    /** The C library, recording each block it hands out as {@code heap}'s and forgetting it at free. */
    SystemPath.Source sourceFor(Heap heap) {
        return new SystemPath.Source() {
            @Override
            public long allocate(long capacity, long alignment, boolean zeroed) {
                long address = SystemPath.C_LIBRARY.allocate(capacity, alignment, zeroed);
                if (address != 0) {
                    record(address, heap);
                }
                return address;
            }

            @Override
            public void free(long address) {
                forget(address);
                SystemPath.C_LIBRARY.free(address);
            }
        };
    }

    private void record(long address, Heap heap) {
        Thread me = Thread.currentThread();
        lock.lock(me);
        try {
            owners.put(address, heap);
        } finally {
            lock.unlock(me);
        }
    }

    /** Forgotten before the C library takes the memory back: its next owner records it after. */
    private void forget(long address) {
        Thread me = Thread.currentThread();
        lock.lock(me);
        try {
            owners.remove(address);
        } finally {
            lock.unlock(me);
        }
    }
}
