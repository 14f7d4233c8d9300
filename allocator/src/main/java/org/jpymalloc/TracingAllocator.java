package org.jpymalloc;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Locale;

/**
 * An allocator with allocation-site tracing ({@link PyMalloc.Builder#tracing(int)}): a decorator, so that
 * an allocator without tracing pays nothing for it. Records each (sampled) allocation's stack in its
 * {@link AllocationTracer}, forgets it at free, and adds the allocation sites of the blocks still live to
 * the report at {@link #close()}. Also emits a JFR event per traced allocation ({@link JfrEvents}).
 */
final class TracingAllocator extends Decorator {

    private static final int REPORT_LINES = 10;

    private final AllocationTracer tracer;

    TracingAllocator(PyMalloc inner, HandleSettings handles, AllocationTracer tracer) {
        super(inner, handles);
        this.tracer = tracer;
    }

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        return traced(inner.allocate(byteSize, byteAlignment));
    }

    @Override
    public MemorySegment allocateZeroed(long byteSize) {
        return traced(inner.allocateZeroed(byteSize));
    }

    @Override
    public void free(MemorySegment segment) {
        inner.free(segment);
        tracer.freed(segment.address());
    }

    @Override
    public MemorySegment reallocate(MemorySegment segment, long newByteSize) {
        MemorySegment moved = inner.reallocate(segment, newByteSize);
        tracer.freed(segment.address());
        return traced(moved);
    }

    @Override
    public long allocateAddress(long byteSize) {
        return allocateAddress(byteSize, 1);
    }

    @Override
    public long allocateAddress(long byteSize, long byteAlignment) {
        return traced(inner.allocateAddress(byteSize, byteAlignment), byteSize);
    }

    @Override
    public void freeAddress(long address) {
        inner.freeAddress(address);
        tracer.freed(address);
    }

    @Override
    public long reallocateAddress(long address, long byteSize) {
        long moved = inner.reallocateAddress(address, byteSize);
        tracer.freed(address);
        return traced(moved, byteSize);
    }

    private MemorySegment traced(MemorySegment segment) {
        traced(segment.address(), segment.byteSize());
        return segment;
    }

    private long traced(long address, long byteSize) {
        if (tracer.sample()) {
            AllocationTracer.Entry entry = tracer.allocated(address, byteSize);
            JfrEvents.allocation(byteSize, inner.geometry().sizeClassIndex(byteSize), () -> tracer.traceback(entry));
        }
        return address;
    }


    @Override
    public AllocationTracer tracer() {
        return tracer;
    }





    /** Closes, adding the allocation sites of the traced blocks still live to the report at close. */
    @Override
    public void close() {
        String sites = siteReport();
        try {
            inner.close();
        } catch (IllegalStateException report) {
            if (sites != null && report.getMessage() != null && report.getMessage().startsWith("jpymalloc allocator closed")) {
                throw new IllegalStateException(report.getMessage() + System.lineSeparator() + sites, report);
            }
            throw report;
        }
        if (sites != null && handles.atClose() == LeakDetection.AtClose.LOG) {
            System.getLogger("org.jpymalloc.leaks").log(System.Logger.Level.WARNING, sites);
        }
    }

    private String siteReport() {
        List<TraceSnapshot.Statistic> byLine = tracer.liveByLine();
        if (byLine.isEmpty() || handles.atClose() == LeakDetection.AtClose.IGNORE) {
            return null;
        }
        StringBuilder text = new StringBuilder(String.format(Locale.ROOT,
                "traced blocks still live at close, by allocation site (%d sites):", byLine.size()));
        for (TraceSnapshot.Statistic statistic : byLine.subList(0, Math.min(REPORT_LINES, byLine.size()))) {
            text.append(System.lineSeparator()).append("  ").append(statistic);
        }
        if (byLine.size() > REPORT_LINES) {
            text.append(System.lineSeparator()).append("  ... ").append(byLine.size() - REPORT_LINES).append(" more");
        }
        return text.toString();
    }
}
