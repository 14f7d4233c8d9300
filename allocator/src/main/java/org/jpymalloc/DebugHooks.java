package org.jpymalloc;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * jpymalloc's {@code PYTHONMALLOC=debug}: wraps an allocator so that every block carries CPython's
 * debug layout, new memory is filled with {@code 0xCD}, freed memory with {@code 0xDD}, and freed
 * blocks wait in a bounded quarantine before they are really freed:
 * <pre>
 * [8-byte requested size][API id 'o'][7 x 0xFD][data: n bytes][8 x 0xFD]
 *                                              ^ the caller's segment
 * </pre>
 * Guards are checked at {@code free} and {@code reallocate}, and for every live block by
 * {@link #checkGuards()}; a quarantined block's {@code 0xDD} fill is checked when it leaves the quarantine
 * (and at {@code close}), which catches writes after free. Damage throws {@link GuardDamageException} with
 * a report like CPython's, and the damaged block is left alone. A segment is still bounds-checked by the
 * JDK, so damage can only come from native code or {@code reinterpret}.
 *
 * <p>Blocks are 24 bytes larger than asked for (more for alignments above 16), so statistics show the
 * larger classes, as CPython's do in debug mode. All bookkeeping is under one lock: debug mode trades
 * speed for checks.
 */
final class DebugHooks extends Decorator {

    static final byte CLEAN = (byte) 0xCD;
    static final byte DEAD = (byte) 0xDD;
    static final byte FORBIDDEN = (byte) 0xFD;
    static final char API_ID = 'o';
    /** Header before the data: size (8), API id (1), 7 guard bytes. */
    static final int HEADER = 16;
    static final int TAIL = 8;
    static final int QUARANTINE_BLOCKS = 1024;
    static final long QUARANTINE_BYTES = 4 << 20;

    private static final int PATTERN_BYTES = 4096;
    private static final MemorySegment DEAD_PATTERN = pattern(DEAD);
    private static final MemorySegment FORBIDDEN_PATTERN = pattern(FORBIDDEN);

    /** Live blocks: the caller's address to the inner block (sorted, to name interior addresses). */
    private final java.util.TreeMap<Long, MemorySegment> live = new java.util.TreeMap<>();
    /** Freed blocks not yet given back, oldest first: the caller's address, and the inner block. */
    private final ArrayDeque<MemorySegment[]> quarantine = new ArrayDeque<>();
    private final Map<Long, MemorySegment> quarantined = new HashMap<>();
    private long quarantineBytes;

    DebugHooks(PyMalloc inner, HandleSettings handles) {
        super(inner, handles);
    }

    @Override
    public synchronized MemorySegment allocate(long byteSize, long byteAlignment) {
        MemorySegment data = allocateDebug(byteSize, byteAlignment);
        data.fill(CLEAN);
        return data;
    }

    @Override
    public synchronized MemorySegment allocateZeroed(long byteSize) {
        MemorySegment data = allocateDebug(byteSize, 1);
        data.fill((byte) 0);
        return data;
    }

    private MemorySegment allocateDebug(long byteSize, long byteAlignment) {
        Checks.sizeAndAlignment(byteSize, byteAlignment);
        // Inner blocks come aligned to the geometry's alignment, so block + HEADER is aligned to the smaller of
        // it and HEADER; the data must be aligned to the larger of the request's and the geometry's.
        long poolAlignment = inner.geometry().alignment();
        long alignment = Math.max(byteAlignment, poolAlignment);
        long headerAligned = Math.min(poolAlignment, HEADER);
        long slack = alignment > headerAligned ? alignment - headerAligned : 0;
        if (byteSize > Long.MAX_VALUE - HEADER - TAIL - slack) {
            throw new OutOfMemoryError("cannot allocate " + byteSize + " bytes: with the debug header and guards "
                    + "the block would exceed Long.MAX_VALUE bytes");
        }
        MemorySegment block;
        try {
            block = inner.allocate(byteSize + HEADER + TAIL + slack, 1);
        } catch (MemoryLimitError e) {
            throw e;
        } catch (OutOfMemoryError e) {
            throw new OutOfMemoryError("cannot allocate " + byteSize + " bytes (a debug block of "
                    + (byteSize + HEADER + TAIL + slack) + "): " + e.getMessage());
        }
        long offset = alignUp(block.address() + HEADER, alignment) - block.address();
        MemorySegment data = block.asSlice(offset, byteSize);
        MemorySegment header = block.asSlice(offset - HEADER, HEADER);
        header.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, byteSize);
        header.set(ValueLayout.JAVA_BYTE, 8, (byte) API_ID);
        header.asSlice(9, 7).fill(FORBIDDEN);
        block.asSlice(offset + byteSize, TAIL).fill(FORBIDDEN);
        live.put(data.address(), block);
        return data;
    }

    @Override
    public synchronized void free(MemorySegment segment) {
        MemorySegment block = liveBlock(segment, "free");
        check(segment.address(), block);
        live.remove(segment.address());
        MemorySegment data = dataOf(segment.address(), block);
        data.fill(DEAD);
        quarantine.addLast(new MemorySegment[] {data, block});
        quarantined.put(data.address(), block);
        quarantineBytes += block.byteSize();
        while (quarantine.size() > QUARANTINE_BLOCKS || quarantineBytes > QUARANTINE_BYTES) {
            release(quarantine.removeFirst());
        }
    }

    @Override
    public synchronized MemorySegment reallocate(MemorySegment segment, long newByteSize) {
        MemorySegment block = liveBlock(segment, "reallocate");
        Checks.newSize(newByteSize);
        check(segment.address(), block);
        MemorySegment old = dataOf(segment.address(), block);
        MemorySegment moved;
        try {
            moved = allocateDebug(newByteSize, 1);
        } catch (MemoryLimitError e) {
            throw e;
        } catch (OutOfMemoryError e) {
            throw new OutOfMemoryError(e.getMessage() + "; the block is unchanged");
        }
        long kept = Math.min(old.byteSize(), newByteSize);
        moved.asSlice(0, kept).copyFrom(old.asSlice(0, kept));
        moved.asSlice(kept).fill(CLEAN);
        free(old);
        return moved;
    }

    @Override
    public long allocateAddress(long byteSize) {
        return allocateAddress(byteSize, 1);
    }

    @Override
    public synchronized long allocateAddress(long byteSize, long byteAlignment) {
        return allocate(byteSize, byteAlignment).address();
    }

    /** Frees the live debug block whose data starts at {@code address}, with every check {@link #free} makes. */
    @Override
    public synchronized void freeAddress(long address) {
        free(dataSegment(address, "free"));
    }

    @Override
    public synchronized long reallocateAddress(long address, long byteSize) {
        return reallocate(dataSegment(address, "reallocate"), byteSize).address();
    }

    /**
     * The data segment of the live block at {@code address}, or the exception {@link #free} would throw for
     * it; an address that is no debug block's is diagnosed by the inner allocator.
     */
    private MemorySegment dataSegment(long address, String call) {
        MemorySegment block = live.get(address);
        if (block != null) {
            return dataOf(address, block);
        }
        describeNotLive(address, call);
        inner.freeAddress(address); // throws, saying what the address is (foreign, interior, header...)
        throw Checks.badAddress(address, "is not a block of this debug allocator");
    }

    /**
     * Checks the guard bytes of every live block.
     *
     * @throws GuardDamageException for the first damaged block found
     */
    @Override
    public synchronized void checkGuards() {
        for (Map.Entry<Long, MemorySegment> entry : live.entrySet()) {
            check(entry.getKey(), entry.getValue());
        }
    }





    /**
     * Checks the quarantine's fills, then closes the allocator (freeing everything).
     *
     * @throws GuardDamageException after closing, if a quarantined block was written after it was freed
     */
    @Override
    public synchronized void close() {
        GuardDamageException damage = null;
        for (MemorySegment[] entry : quarantine) {
            try {
                checkDead(entry[0], entry[1]);
                inner.free(entry[1]); // freed blocks are not leaks: only live ones go in the close report
            } catch (GuardDamageException e) {
                damage = damage == null ? e : damage;
            }
        }
        quarantine.clear();
        quarantined.clear();
        live.clear();
        inner.close();
        if (damage != null) {
            throw damage;
        }
    }

    // ---- checks ----

    private MemorySegment liveBlock(MemorySegment segment, String call) {
        long address = segment.address();
        MemorySegment block = live.get(address);
        if (block != null) {
            return block;
        }
        describeNotLive(address, call);
        // Not a block of ours: let the allocator say what it is (foreign, heap, interior...).
        inner.free(segment);
        throw Checks.badSegment(segment, "is not a block of this debug allocator");
    }

    /** Throws if {@code address} is a quarantined block or inside a live one, naming it. */
    private void describeNotLive(long address, String call) {
        if (quarantined.containsKey(address)) {
            throw Checks.badAddress(address, "was already freed (double free); it waits in the debug quarantine");
        }
        Map.Entry<Long, MemorySegment> below = live.floorEntry(address);
        if (below != null && address - below.getKey() < dataOf(below.getKey(), below.getValue()).byteSize()) {
            throw Checks.badAddress(address, String.format(Locale.ROOT, "is an interior address: %d bytes into the "
                    + "live block at 0x%x (%s of a debug block)", address - below.getKey(), below.getKey(), call));
        }
    }

    private static MemorySegment dataOf(long address, MemorySegment block) {
        long offset = address - block.address();
        long size = block.get(ValueLayout.JAVA_LONG_UNALIGNED, offset - HEADER);
        return block.asSlice(offset, size);
    }

    private void release(MemorySegment[] entry) {
        quarantined.remove(entry[0].address());
        quarantineBytes -= entry[1].byteSize();
        checkDead(entry[0], entry[1]);
        inner.free(entry[1]);
    }

    /** The guards of a live or freed block; the size is read from the header. */
    private void check(long address, MemorySegment block) {
        long offset = address - block.address();
        MemorySegment header = block.asSlice(offset - HEADER, HEADER);
        long size = header.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
        boolean sizeSane = size >= 0 && offset + size + TAIL <= block.byteSize();
        byte id = header.get(ValueLayout.JAVA_BYTE, 8);
        boolean headOk = id == API_ID && allEqual(header.asSlice(9, 7), FORBIDDEN);
        boolean tailOk = sizeSane && allEqual(block.asSlice(offset + size, TAIL), FORBIDDEN);
        if (!headOk || !tailOk) {
            throw new GuardDamageException(address, report(address, block, offset, sizeSane ? size : -1,
                    "bad guard bytes"));
        }
    }

    /** A quarantined block must still be all {@code 0xDD}. */
    private void checkDead(MemorySegment data, MemorySegment block) {
        long i = firstNotEqual(data, DEAD);
        if (i >= 0) {
            byte b = data.get(ValueLayout.JAVA_BYTE, i);
            throw new GuardDamageException(data.address(), report(data.address(), block,
                    data.address() - block.address(), data.byteSize(), String.format(Locale.ROOT,
                            "written after it was freed: byte %d of the freed block is 0x%02x, not DEADBYTE "
                                    + "(0xdd)", i, b & 0xFF)));
        }
        check(data.address(), block);
    }

    /** CPython's {@code _PyObject_DebugDumpAddress}, in its words. */
    private static String report(long address, MemorySegment block, long offset, long size, String problem) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "Debug memory block at address p=0x%x: API '%c' (%s)%n", address,
                (char) block.get(ValueLayout.JAVA_BYTE, offset - 8), problem));
        long requested = block.get(ValueLayout.JAVA_LONG_UNALIGNED, offset - HEADER);
        out.append(String.format(Locale.ROOT, "    %d bytes originally requested%n", requested));
        MemorySegment head = block.asSlice(offset - 7, 7);
        if (allEqual(head, FORBIDDEN)) {
            out.append(String.format(Locale.ROOT, "    The 7 pad bytes at p-7 are FORBIDDENBYTE, as expected.%n"));
        } else {
            out.append(String.format(Locale.ROOT, "    The 7 pad bytes at p-7 are not all FORBIDDENBYTE (0xfd):%n"));
            for (int i = 7; i >= 1; i--) {
                byte b = block.get(ValueLayout.JAVA_BYTE, offset - i);
                out.append(String.format(Locale.ROOT, "        at p-%d: 0x%02x%s%n", i, b & 0xFF,
                        b == FORBIDDEN ? "" : " *** OUCH"));
            }
        }
        if (size < 0) {
            out.append("    Because memory is corrupted at the start, the count of bytes requested may be bogus;"
                    + " the trailing pad bytes were not checked.");
            return out.toString();
        }
        long tail = offset + size;
        MemorySegment tailBytes = block.asSlice(tail, TAIL);
        if (allEqual(tailBytes, FORBIDDEN)) {
            out.append(String.format(Locale.ROOT, "    The 8 pad bytes at tail=0x%x are FORBIDDENBYTE, as expected.",
                    block.address() + tail));
        } else {
            out.append(String.format(Locale.ROOT, "    The 8 pad bytes at tail=0x%x are not all FORBIDDENBYTE (0xfd):",
                    block.address() + tail));
            for (int i = 0; i < TAIL; i++) {
                byte b = tailBytes.get(ValueLayout.JAVA_BYTE, i);
                out.append(String.format(Locale.ROOT, "%n        at tail+%d: 0x%02x%s", i, b & 0xFF,
                        b == FORBIDDEN ? "" : " *** OUCH"));
            }
        }
        return out.toString();
    }

    private static boolean allEqual(MemorySegment bytes, byte expected) {
        return firstNotEqual(bytes, expected) < 0;
    }

    /** The offset of the first byte that is not {@code expected}, or -1: a vectorized compare per chunk. */
    private static long firstNotEqual(MemorySegment bytes, byte expected) {
        MemorySegment pattern = expected == DEAD ? DEAD_PATTERN : FORBIDDEN_PATTERN;
        for (long at = 0; at < bytes.byteSize(); at += PATTERN_BYTES) {
            long length = Math.min(PATTERN_BYTES, bytes.byteSize() - at);
            long mismatch = bytes.asSlice(at, length).mismatch(pattern.asSlice(0, length));
            if (mismatch >= 0) {
                return at + mismatch;
            }
        }
        return -1;
    }

    private static MemorySegment pattern(byte value) {
        MemorySegment bytes = MemorySegment.ofArray(new byte[PATTERN_BYTES]);
        bytes.fill(value);
        return bytes;
    }

    private static long alignUp(long address, long alignment) {
        return (address + alignment - 1) & -alignment;
    }
}
