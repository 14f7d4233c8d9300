package org.jpymalloc;

/**
 * The bytes programs asked for, per pool block, for a heap that tracks them
 * ({@link PyMalloc.Builder#trackRequestedBytes}): each block's slack (its size less the bytes requested) in
 * one byte of its arena's {@link MappedArena#slack} table, at the block's alignment unit, and the running
 * totals and peaks in the heap's {@link Usage}. No header in the block: statistics read the requested bytes
 * per class from the live bits and the slack bytes ({@link #ofPool}).
 */
final class RequestedBytes {

    private final long[] blockSizes;
    private final Usage usage;
    private final long headerSize;
    private final long poolSize;

    RequestedBytes(Geometry geometry, long[] blockSizes, Usage usage) {
        this.blockSizes = blockSizes;
        this.usage = usage;
        this.headerSize = geometry.poolHeaderSize();
        this.poolSize = geometry.poolSize();
    }

    /** A block of class {@code sizeClass} was handed out for {@code byteSize} bytes. */
    void allocated(MappedArena arena, long block, int sizeClass, long byteSize) {
        arena.slack[arena.unitIndex(block)] = (byte) (blockSizes[sizeClass] - byteSize);
        usage.allocated(byteSize);
    }

    /** The live block at {@code block}, of {@code blockSize} bytes, is being freed. */
    void freed(MappedArena arena, long block, long blockSize) {
        usage.freed(of(arena, block, blockSize));
    }

    /** A live block keeps its place with {@code newByteSize} bytes requested (pymalloc's realloc rule). */
    void resized(MappedArena arena, long block, long blockSize, long newByteSize) {
        usage.freed(of(arena, block, blockSize));
        arena.slack[arena.unitIndex(block)] = (byte) (blockSize - newByteSize);
        usage.allocated(newByteSize);
    }

    /** Requested bytes of the live blocks of one pool of {@code arena}, from the live bits and slack bytes. */
    long ofPool(MappedArena arena, long pool, int sizeClass) {
        long size = blockSizes[sizeClass];
        long total = 0;
        for (long block = pool + headerSize; block + size <= pool + poolSize; block += size) {
            if (arena.isLive(block)) {
                total += of(arena, block, size);
            }
        }
        return total;
    }

    /** The bytes requested for the live block at {@code block}: its size less its slack byte. */
    private static long of(MappedArena arena, long block, long blockSize) {
        return blockSize - (arena.slack[arena.unitIndex(block)] & 0xFF);
    }
}
