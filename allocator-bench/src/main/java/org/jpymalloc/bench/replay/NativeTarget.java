package org.jpymalloc.bench.replay;

import org.jpymalloc.bench.NativePeers;

/** Replays through a C allocator's {@code malloc}/{@code realloc}/{@code free} on raw addresses. */
final class NativeTarget implements ReplayTarget {

    private final NativePeers.CAllocator peer;
    private final long[] blocks;
    private final long baseline;

    NativeTarget(NativePeers.CAllocator peer, int slots) {
        this.peer = peer;
        this.blocks = new long[slots];
        this.baseline = peer.baseline().mappedBytes();
    }

    @Override
    public void malloc(int slot, long size) {
        long address = peer.malloc(size);
        if (address == 0 && size != 0) {
            throw new OutOfMemoryError(peer.name() + " malloc(" + size + ") returned NULL");
        }
        blocks[slot] = address;
    }

    @Override
    public void free(int slot) {
        peer.free(blocks[slot]);
        blocks[slot] = 0;
    }

    @Override
    public void realloc(int slot, long size) {
        long address = peer.realloc(blocks[slot], size);
        if (address == 0 && size != 0) {
            throw new OutOfMemoryError(peer.name() + " realloc(" + size + ") returned NULL");
        }
        blocks[slot] = address;
    }

    @Override
    public void freeAll() {
        for (int slot = 0; slot < blocks.length; slot++) {
            if (blocks[slot] != 0) {
                free(slot);
            }
        }
    }

    /** The peer's own figure, less its baseline when this target was made (never below 0). */
    @Override
    public long mappedBytes() {
        return Math.max(0, peer.probe().mappedBytes() - baseline);
    }

    @Override
    public String memoryDescription() {
        return peer.probeDescription();
    }

    @Override
    public String calling() {
        return peer.calling().description();
    }

    @Override
    public void close() {
        freeAll();
    }
}
