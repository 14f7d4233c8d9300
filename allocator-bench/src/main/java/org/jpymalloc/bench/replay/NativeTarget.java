package org.jpymalloc.bench.replay;

import java.lang.foreign.MemorySegment;

import org.jpymalloc.bench.NativePeers;

/**
 * Replays through a C allocator's {@code malloc}/{@code realloc}/{@code free}, keeping each block as
 * {@link Calls} says: a raw address, or a segment made from it as a Java caller makes one.
 */
abstract sealed class NativeTarget implements ReplayTarget permits NativeTarget.Addresses, NativeTarget.Segments {

    final NativePeers.CAllocator peer;
    private final long baseline;

    private NativeTarget(NativePeers.CAllocator peer) {
        this.peer = peer;
        this.baseline = peer.baseline().mappedBytes();
    }

    static NativeTarget of(NativePeers.CAllocator peer, int slots, Calls calls) {
        return switch (calls) {
            case ADDRESSES -> new Addresses(peer, slots);
            case SEGMENTS -> new Segments(peer, slots);
        };
    }

    /** {@code address}, unless the call returned NULL for a positive size (out of memory). */
    final long checked(String call, long address, long size) {
        if (address == 0 && size != 0) {
            throw new OutOfMemoryError(peer.name() + " " + call + "(" + size + ") returned NULL");
        }
        return address;
    }

    /** The peer's own figure, less its baseline when this target was made (never below 0). */
    @Override
    public final long mappedBytes() {
        return Math.max(0, peer.probe().mappedBytes() - baseline);
    }

    @Override
    public final String memoryDescription() {
        return peer.probeDescription();
    }

    @Override
    public final void close() {
        freeAll();
    }

    /** {@link Calls#ADDRESSES}: addresses in a {@code long[]}. */
    static final class Addresses extends NativeTarget {

        private final long[] blocks;

        Addresses(NativePeers.CAllocator peer, int slots) {
            super(peer);
            this.blocks = new long[slots];
        }

        @Override
        public void malloc(int slot, long size) {
            blocks[slot] = checked("malloc", peer.malloc(size), size);
        }

        @Override
        public void free(int slot) {
            peer.free(blocks[slot]);
            blocks[slot] = 0;
        }

        @Override
        public void realloc(int slot, long size) {
            blocks[slot] = checked("realloc", peer.realloc(blocks[slot], size), size);
        }

        @Override
        public void freeAll() {
            Slots.forEachLive(blocks, this::free);
        }

        @Override
        public String calling() {
            return peer.calling().description() + "; addresses kept in a long[]";
        }
    }

    /** {@link Calls#SEGMENTS}: {@code MemorySegment.ofAddress(p).reinterpret(size)} in a segment array. */
    static final class Segments extends NativeTarget {

        private final MemorySegment[] blocks;

        Segments(NativePeers.CAllocator peer, int slots) {
            super(peer);
            this.blocks = new MemorySegment[slots];
        }

        @Override
        public void malloc(int slot, long size) {
            blocks[slot] = MemorySegment.ofAddress(checked("malloc", peer.malloc(size), size)).reinterpret(size);
        }

        @Override
        public void free(int slot) {
            peer.free(blocks[slot].address());
            blocks[slot] = null;
        }

        @Override
        public void realloc(int slot, long size) {
            long address = checked("realloc", peer.realloc(blocks[slot].address(), size), size);
            blocks[slot] = MemorySegment.ofAddress(address).reinterpret(size);
        }

        @Override
        public void freeAll() {
            Slots.forEachLive(blocks, this::free);
        }

        @Override
        public String calling() {
            return peer.calling().description() + "; each address wrapped with MemorySegment.ofAddress(p)"
                    + ".reinterpret(size), the segments kept in a MemorySegment[]";
        }
    }
}
