package org.jpymalloc.bench.trace;

import java.util.Arrays;

/**
 * Turns address-level events (what {@code mtrace} records) into a {@link Trace}: gives each block a slot,
 * reuses freed slots (lowest-cost: a stack), and repairs and counts what a real trace holds besides clean
 * events (see {@link TraceNoise}). Also used directly by the binary reader, which already has slots.
 */
public final class TraceBuilder {

    private final String source;
    private final LongIntMap slotOfAddress = new LongIntMap();
    private byte[] ops = new byte[1 << 16];
    private int[] slots = new int[ops.length];
    private long[] sizes = new long[ops.length];
    private int length;

    private int[] freeSlots = new int[1 << 10];
    private int freeSlotCount;
    private int slotCount;

    private long unknownFrees;
    private long unknownReallocs;
    private long reusedAddresses;
    private long failedAllocations;
    private long nullFrees;
    private long unpairedReallocs;

    public TraceBuilder(String source) {
        this.source = source;
    }

    /** {@code malloc}, {@code calloc}, {@code memalign}...: a new block at {@code address}. */
    public void malloc(long address, long size) {
        if (address == 0) {
            failedAllocations++;
            return;
        }
        freeIfStale(slotOfAddress.remove(address));
        int slot = takeSlot();
        slotOfAddress.putNew(address, slot);
        append(Trace.MALLOC, slot, size);
    }

    public void free(long address) {
        if (address == 0) {
            nullFrees++;
            return;
        }
        int slot = slotOfAddress.remove(address);
        if (slot == LongIntMap.MISSING) {
            unknownFrees++;
            return;
        }
        append(Trace.FREE, slot, 0);
        releaseSlot(slot);
    }

    /** A successful {@code realloc} that moved or resized {@code oldAddress} to {@code newAddress}. */
    public void realloc(long oldAddress, long newAddress, long size) {
        if (newAddress == 0) {
            failedAllocations++;
            return;
        }
        int slot = slotOfAddress.remove(oldAddress);
        if (slot == LongIntMap.MISSING) {
            unknownReallocs++;
            malloc(newAddress, size);
            return;
        }
        freeIfStale(newAddress == oldAddress ? LongIntMap.MISSING : slotOfAddress.remove(newAddress));
        slotOfAddress.putNew(newAddress, slot);
        append(Trace.REALLOC, slot, size);
    }

    /** A new block at an address the trace still holds: its free was not traced, so free it now. */
    private void freeIfStale(int stale) {
        if (stale != LongIntMap.MISSING) {
            reusedAddresses++;
            append(Trace.FREE, stale, 0);
            releaseSlot(stale);
        }
    }

    public void failedAllocation() {
        failedAllocations++;
    }

    public void unpairedRealloc() {
        unpairedReallocs++;
    }

    /** Slot-level events, as the binary format stores them; checked by {@link Trace#validate()}. */
    void event(byte op, int slot, long size) {
        append(op, slot, size);
        slotCount = Math.max(slotCount, slot + 1);
    }

    void noise(TraceNoise noise) {
        unknownFrees += noise.unknownFrees();
        unknownReallocs += noise.unknownReallocs();
        reusedAddresses += noise.reusedAddresses();
        failedAllocations += noise.failedAllocations();
        nullFrees += noise.nullFrees();
        unpairedReallocs += noise.unpairedReallocs();
    }

    public int length() {
        return length;
    }

    public Trace build() {
        TraceNoise noise = new TraceNoise(unknownFrees, unknownReallocs, reusedAddresses, failedAllocations,
                nullFrees, unpairedReallocs);
        return new Trace(source, ops, slots, sizes, length, slotCount, noise);
    }

    private void append(byte op, int slot, long size) {
        if (length == ops.length) {
            int capacity = Math.toIntExact(Math.min(Integer.MAX_VALUE - 8L, ops.length * 2L));
            if (capacity == length) {
                throw new TraceFormatException(source, "event " + length, "more events than a replay can hold");
            }
            ops = Arrays.copyOf(ops, capacity);
            slots = Arrays.copyOf(slots, capacity);
            sizes = Arrays.copyOf(sizes, capacity);
        }
        ops[length] = op;
        slots[length] = slot;
        sizes[length] = size;
        length++;
    }

    private int takeSlot() {
        if (freeSlotCount > 0) {
            return freeSlots[--freeSlotCount];
        }
        return slotCount++;
    }

    private void releaseSlot(int slot) {
        if (freeSlotCount == freeSlots.length) {
            freeSlots = Arrays.copyOf(freeSlots, freeSlots.length * 2);
        }
        freeSlots[freeSlotCount++] = slot;
    }
}
