package org.jpymalloc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;

/**
 * Requests pools do not serve (0 bytes, above the threshold, or over-aligned), passed to the C library
 * as obmalloc passes them to {@code PyMem_RawMalloc}: {@code malloc} ({@code malloc(1)} for 0 bytes, so
 * the address is unique), {@code calloc}, {@code posix_memalign} (alignments above malloc's 16 bytes), {@code free};
 * a resize is a new block, a copy and a free, so that the old block's scope closes before its memory goes back.
 *
 * <p>Each block gets a scope of its own, closed when the block is freed (or reallocated elsewhere, or
 * the allocator closes): unlike a pool block, a freed system block's segment can never reach memory
 * that {@code free} gave back to the C library. The live blocks are kept in a map, so ownership and
 * double frees are decided without touching the C library, and {@code close} can free them all.
 *
 * <p>Not thread-safe: a shared allocator calls it under a lock of its own. In a shared allocator each
 * block's scope is a shared {@link Arena}, whose close costs a handshake with the JVM's threads: freeing
 * a system block there costs microseconds, the price of never letting a stale segment reach freed memory.
 */
final class SystemPath {

    /** A live system block: the bytes asked for, its alignment, and the scope its segments belong to. */
    record Block(long address, long byteSize, long byteAlignment, Arena scope) {
    }

    /** What {@code malloc} guarantees on the 64-bit platforms we run on: larger alignments use posix_memalign. */
    static final long MALLOC_ALIGNMENT = 16;

    private final boolean shared;
    private final MemoryBudget budget;
    private final Usage usage;
    private final Map<Long, Block> live = new HashMap<>();
    private long liveBytes;
    private long peakLiveBytes;
    private long totalAllocations;

    SystemPath(boolean shared) {
        this(shared, MemoryBudget.unlimited(), new Usage());
    }

    SystemPath(boolean shared, MemoryBudget budget, Usage usage) {
        this.shared = shared;
        this.budget = budget;
        this.usage = usage;
    }

    /**
     * A block of {@code byteSize} bytes aligned to {@code byteAlignment} and to at least the geometry's
     * {@code poolAlignment} (a promise every block keeps, whichever path serves it).
     */
    MemorySegment allocate(long byteSize, long byteAlignment, long poolAlignment, boolean zeroed) {
        budget.reserve(byteSize, byteSize, "a system-path block");
        long alignment = Math.max(byteAlignment, poolAlignment);
        long address = allocateNative(byteSize, alignment, zeroed);
        if (address == 0) {
            budget.release(byteSize);
            throw new OutOfMemoryError("the C library could not allocate " + byteSize + " bytes (alignment "
                    + byteAlignment + "); " + live.size() + " system blocks of " + liveBytes + " bytes are live");
        }
        return track(address, byteSize, alignment);
    }

    /** {@code malloc}, {@code calloc} or {@code posix_memalign} ({@code malloc(1)} for 0 bytes); 0 on failure. */
    private static long allocateNative(long byteSize, long alignment, boolean zeroed) {
        long nativeSize = Math.max(byteSize, 1);
        if (alignment <= MALLOC_ALIGNMENT) {
            return zeroed ? NativeMemory.calloc(nativeSize) : NativeMemory.malloc(nativeSize);
        }
        long address = NativeMemory.alignedMalloc(nativeSize, alignment);
        if (address != 0 && zeroed) {
            NativeMemory.zero(address, nativeSize);
        }
        return address;
    }

    /** The live block at {@code address}, or null if the system path did not hand it out. */
    Block find(long address) {
        return live.get(address);
    }

    /** The live system block at {@code address} (the address API), or an exception saying it is none. */
    Block blockAt(long address) {
        Block block = live.get(address);
        if (block == null) {
            throw Checks.badAddress(address, "was never allocated by this allocator (or was already freed)");
        }
        return block;
    }

    /**
     * The live system block behind {@code segment} (a native segment no arena owns), or an
     * {@link IllegalArgumentException} saying what the segment is.
     */
    Block blockOf(MemorySegment segment) {
        Block block = live.get(segment.address());
        if (block == null) {
            throw Checks.badSegment(segment, segment.scope().isAlive()
                    ? "was never allocated by this allocator (or was already freed)"
                    : "belongs to memory already freed: its block was freed or reallocated, or its allocator closed");
        }
        if (block.scope().scope() != segment.scope()) {
            throw Checks.badSegment(segment, "is a stale segment: the system block now at this address was"
                    + " allocated later (the one it came from was already freed)");
        }
        return block;
    }

    void free(Block block) {
        untrack(block);
        block.scope().close();
        NativeMemory.free(block.address());
        budget.release(block.byteSize());
    }

    Usage usage() {
        return usage;
    }

    /**
     * Resizes a block (pymalloc's realloc of a foreign pointer): a new block with the old one's alignment,
     * the contents copied, then the old block's scope closed, and only then its memory freed. So no
     * segment of the old block, in any thread, can reach memory the C library already took back (with
     * {@code realloc} the memory could go back first). On failure the old block and its segments stay
     * valid; on success the old block's segments are invalidated.
     */
    MemorySegment reallocate(Block block, long newByteSize) {
        long growth = newByteSize - block.byteSize();
        if (growth > 0) {
            budget.reserve(growth, newByteSize, "a larger system-path block");
        }
        long address = allocateNative(newByteSize, block.byteAlignment(), false);
        if (address == 0) {
            if (growth > 0) {
                budget.release(growth);
            }
            throw new OutOfMemoryError("the C library could not resize the " + block.byteSize() + "-byte block at 0x"
                    + Long.toHexString(block.address()) + " to " + newByteSize + " bytes; the block is unchanged");
        }
        NativeMemory.copy(block.address(), address, Math.min(block.byteSize(), newByteSize));
        untrack(block);
        block.scope().close();
        NativeMemory.free(block.address());
        if (growth < 0) {
            budget.release(-growth);
        }
        return track(address, newByteSize, block.byteAlignment());
    }

    /** Frees every live block; their segments become inaccessible. */
    void freeAll() {
        for (Block block : new ArrayList<>(live.values())) {
            free(block);
        }
    }

    int liveCount() {
        return live.size();
    }

    long liveBytes() {
        return liveBytes;
    }

    long peakLiveBytes() {
        return peakLiveBytes;
    }

    long totalAllocations() {
        return totalAllocations;
    }

    private MemorySegment track(long address, long byteSize, long byteAlignment) {
        usage.mapped(byteSize); // the C library's own overhead is not known: the block's bytes
        usage.allocated(byteSize);
        Arena scope = shared ? Arena.ofShared() : Arena.ofConfined();
        live.put(address, new Block(address, byteSize, byteAlignment, scope));
        liveBytes += byteSize;
        peakLiveBytes = Math.max(peakLiveBytes, liveBytes);
        totalAllocations++;
        return MemorySegment.ofAddress(address).reinterpret(byteSize, scope, null);
    }

    private void untrack(Block block) {
        live.remove(block.address());
        liveBytes -= block.byteSize();
        usage.freed(block.byteSize());
        usage.unmapped(block.byteSize());
    }
}
