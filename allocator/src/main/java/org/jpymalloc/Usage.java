package org.jpymalloc;

/**
 * Requested and mapped bytes of one lock domain (a confined allocator; one stripe, or the system path,
 * of a shared one), with their peaks and what the other figure was at each peak: the inputs of the
 * fragmentation measures in {@link MallocStats}. Updated on the hot path by plain field writes under the
 * domain's lock (or its single thread); a new peak is recorded out of line.
 */
final class Usage {

    /** Requested bytes of live blocks. */
    long requestedLive;
    long requestedPeak;
    long mappedAtRequestedPeak;
    /** Bytes held from the OS and the C library: arenas mapped (spares included), system-path blocks. */
    long mapped;
    long mappedPeak;
    long requestedAtMappedPeak;

    void allocated(long bytes) {
        long live = requestedLive += bytes;
        if (live > requestedPeak) {
            newRequestedPeak(live);
        }
    }

    void freed(long bytes) {
        requestedLive -= bytes;
    }

    void mapped(long bytes) {
        long now = mapped += bytes;
        if (now > mappedPeak) {
            mappedPeak = now;
            requestedAtMappedPeak = requestedLive;
        }
    }

    void unmapped(long bytes) {
        mapped -= bytes;
    }

    private void newRequestedPeak(long live) {
        requestedPeak = live;
        mappedAtRequestedPeak = mapped;
    }
}
