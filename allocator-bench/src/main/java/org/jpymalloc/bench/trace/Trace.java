package org.jpymalloc.bench.trace;

import java.util.Objects;

/**
 * A decoded allocation trace, ready to replay: three parallel arrays of events, where each block is
 * named by a <em>slot</em> (a small integer reused once the block is freed) rather than by an address.
 * Decoding does the address bookkeeping once, so a replay loop only indexes arrays.
 *
 * <p>Events: {@link #MALLOC} puts a new block of {@code sizes[i]} bytes in slot {@code slots[i]} (which
 * is free); {@link #FREE} frees the block in the slot; {@link #REALLOC} resizes the block in the slot to
 * {@code sizes[i]} bytes, keeping the slot. Every trace is well formed: {@link #validate()} checks it.
 */
public final class Trace {

    public static final byte MALLOC = 0;
    public static final byte FREE = 1;
    public static final byte REALLOC = 2;

    private final String source;
    private final byte[] ops;
    private final int[] slots;
    private final long[] sizes;
    private final int length;
    private final int slotCount;
    private final TraceNoise noise;

    Trace(String source, byte[] ops, int[] slots, long[] sizes, int length, int slotCount, TraceNoise noise) {
        this.source = Objects.requireNonNull(source, "source");
        this.ops = ops;
        this.slots = slots;
        this.sizes = sizes;
        this.length = length;
        this.slotCount = slotCount;
        this.noise = Objects.requireNonNull(noise, "noise");
    }

    /** Where the trace came from (a file name). */
    public String source() {
        return source;
    }

    /** Number of events. */
    public int length() {
        return length;
    }

    /** Slots needed: the most blocks live at once, plus the blocks still live at the end of the trace. */
    public int slotCount() {
        return slotCount;
    }

    public byte op(int event) {
        return ops[Objects.checkIndex(event, length)];
    }

    public int slot(int event) {
        return slots[Objects.checkIndex(event, length)];
    }

    /** Requested bytes of a {@link #MALLOC} or {@link #REALLOC}; 0 for a {@link #FREE}. */
    public long size(int event) {
        return sizes[Objects.checkIndex(event, length)];
    }

    /** What decoding skipped or repaired, counted. */
    public TraceNoise noise() {
        return noise;
    }

    /** The first {@code events} events, as a trace of their own. */
    public Trace prefix(int events) {
        Objects.checkFromToIndex(0, events, length);
        return new Trace(source + "[0:" + events + "]", ops, slots, sizes, events, slotCount, noise);
    }

    /**
     * The raw arrays, for replay loops (read only; {@link #length()} entries are meaningful).
     *
     * @param ops event kinds
     * @param slots slot of each event
     * @param sizes requested bytes of each event
     */
    public record Arrays(byte[] ops, int[] slots, long[] sizes, int length) {
    }

    public Arrays arrays() {
        return new Arrays(ops, slots, sizes, length);
    }

    /** Counts per event kind: {@code [mallocs, frees, reallocs]}. */
    public long[] countsByKind() {
        long[] counts = new long[3];
        for (int i = 0; i < length; i++) {
            counts[ops[i]]++;
        }
        return counts;
    }

    /**
     * Checks that every event is legal: a malloc fills an empty slot, a free or realloc names a full one,
     * every slot is below {@link #slotCount()} and every size is at least 0.
     *
     * @throws TraceFormatException naming the first bad event
     */
    public Trace validate() {
        java.util.BitSet live = new java.util.BitSet(slotCount);
        for (int i = 0; i < length; i++) {
            int slot = slots[i];
            if (slot < 0 || slot >= slotCount) {
                throw new TraceFormatException(source, "event " + i, "slot " + slot + " outside [0, " + slotCount + ")");
            }
            if (sizes[i] < 0) {
                throw new TraceFormatException(source, "event " + i, "negative size " + sizes[i]);
            }
            switch (ops[i]) {
                case MALLOC -> {
                    if (live.get(slot)) {
                        throw new TraceFormatException(source, "event " + i, "malloc into slot " + slot + ", which is live");
                    }
                    live.set(slot);
                }
                case FREE, REALLOC -> {
                    if (!live.get(slot)) {
                        throw new TraceFormatException(source, "event " + i, (ops[i] == FREE ? "free" : "realloc")
                                + " of slot " + slot + ", which is not live");
                    }
                    if (ops[i] == FREE) {
                        live.clear(slot);
                    }
                }
                default -> throw new TraceFormatException(source, "event " + i, "unknown event kind " + ops[i]);
            }
        }
        return this;
    }
}
