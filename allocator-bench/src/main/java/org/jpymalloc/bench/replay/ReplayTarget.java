package org.jpymalloc.bench.replay;

/**
 * An allocator a trace is replayed through. Blocks are named by the trace's slots; the target keeps
 * the slot-to-block table itself, as its user would.
 */
public interface ReplayTarget extends AutoCloseable {

    void malloc(int slot, long size);

    void free(int slot);

    void realloc(int slot, long size);

    /** Frees every block still live (after a run, untimed). */
    void freeAll();

    /** Bytes the allocator holds from the OS now, by its own account (see {@link #memoryDescription()}). */
    long mappedBytes();

    /** What {@link #mappedBytes()} measures. */
    String memoryDescription();

    /** How the replay calls the allocator (for a C allocator: which kind of downcall). */
    String calling();

    @Override
    void close();
}
