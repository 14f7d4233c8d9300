package org.jpymalloc;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Allocation-site tracing, like CPython's tracemalloc: for every traced block, the stack that allocated
 * it ({@link PyMalloc.Builder#tracing(int)} frames deep), kept until the block is freed. Ask it for the
 * traced bytes now and at their peak ({@link #tracedBytes()}, {@link #peakTracedBytes()},
 * {@link #resetPeak()}), or for a {@link TraceSnapshot} to group by line or traceback and compare.
 *
 * <p>With sampling ({@link PyMalloc.Builder#tracingSampling(int)}: one allocation in N), only the sampled
 * blocks are traced and every figure here is theirs, not scaled up. Thread-safe.
 */
public final class AllocationTracer {

    private final int depth;
    private final int sampling;
    /** Live traced blocks: address to the captured stack and requested bytes. */
    private final Map<Long, Entry> live = new HashMap<>();
    private final Map<List<StackTraceElement>, Traceback> interned = new HashMap<>();
    private long traced;
    private long peak;

    AllocationTracer(int depth, int sampling) {
        this.depth = depth;
        this.sampling = sampling;
    }

    /** Frames kept per traceback. */
    public int depth() {
        return depth;
    }

    /** One allocation in this many is traced (1: all). */
    public int sampling() {
        return sampling;
    }

    /** Requested bytes of the traced live blocks (tracemalloc's {@code get_traced_memory()[0]}). */
    public synchronized long tracedBytes() {
        return traced;
    }

    /** The most traced bytes live at once since tracing began or the last {@link #resetPeak()}. */
    public synchronized long peakTracedBytes() {
        return peak;
    }

    /** Sets the peak to the current traced bytes (tracemalloc's {@code reset_peak()}). */
    public synchronized void resetPeak() {
        peak = traced;
    }

    /** Traced live blocks now. */
    public synchronized int tracedBlocks() {
        return live.size();
    }

    /** The traced live blocks now, with their tracebacks. */
    public synchronized TraceSnapshot snapshot() {
        List<TraceSnapshot.TracedBlock> blocks = new ArrayList<>(live.size());
        for (Entry entry : live.values()) {
            blocks.add(new TraceSnapshot.TracedBlock(traceback(entry), entry.size));
        }
        return new TraceSnapshot(Instant.now(), blocks, depth);
    }

    /** Whether this allocation is traced; decided before the stack is captured. */
    boolean sample() {
        return sampling == 1 || ThreadLocalRandom.current().nextInt(sampling) == 0;
    }

    /**
     * Records a new block (the caller has sampled it). The stack is captured ({@link CallSite}); it becomes
     * a {@link Traceback} only when a snapshot or a report needs it.
     */
    Entry allocated(long address, long size) {
        Entry entry = new Entry(CallSite.capture(), size);
        synchronized (this) {
            Entry old = live.put(address, entry);
            if (old != null) {
                traced -= old.size;
            }
            traced += size;
            peak = Math.max(peak, traced);
        }
        return entry;
    }

    synchronized void freed(long address) {
        Entry entry = live.remove(address);
        if (entry != null) {
            traced -= entry.size;
        }
    }

    /** A traced block: its captured stack (turned into a traceback once, when first needed) and size. */
    static final class Entry {
        private final Throwable stack;
        private final long size;
        private Traceback traceback;

        Entry(Throwable stack, long size) {
            this.stack = stack;
            this.size = size;
        }
    }

    /** Allocation sites of the traced live blocks, by line, the largest first: the close report's lines. */
    synchronized List<TraceSnapshot.Statistic> liveByLine() {
        return snapshot().statistics(TraceSnapshot.GroupBy.LINE);
    }

    /** The entry's traceback, interned, computed on first use. */
    synchronized Traceback traceback(Entry entry) {
        if (entry.traceback == null) {
            entry.traceback = interned.computeIfAbsent(CallSite.frames(entry.stack, depth), Traceback::new);
        }
        return entry.traceback;
    }
}
