package org.jpymalloc;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/**
 * A reference-counted block: {@link PyMalloc#allocateHandle(long)} returns it with a count of 1,
 * {@link #retain()} adds one, {@link #release()} takes one away, and the release that brings the count to
 * 0 frees the block. Counting is atomic, so a handle may be retained and released from several threads;
 * the block is freed on its allocator's terms (a confined allocator's blocks only on its owner thread:
 * a last release on another thread throws {@link WrongThreadException} and leaves the count at 1).
 *
 * <p>The count lives in this object, on the Java heap, not in the block (as {@code ob_refcnt} does in a
 * PyObject): the segment stays exactly the bytes asked for, the block's memory, which native code may
 * write, cannot corrupt the count, and the leak detector can watch the handle's reachability
 * (see {@link LeakDetection}).
 */
public final class Handle implements AutoCloseable {

    private static final VarHandle COUNT;
    private static final Cleaner CLEANER = Cleaner.create();
    private static final int SITE_FRAMES = 8;
    static {
        try {
            COUNT = MethodHandles.lookup().findVarHandle(Handle.class, "count", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final PyMalloc owner;
    private final MemorySegment segment;
    private final Tracker tracker;
    private final Cleaner.Cleanable cleanable;
    @SuppressWarnings("unused") // through COUNT
    private volatile int count = 1;

    private Handle(PyMalloc owner, MemorySegment segment, Tracker tracker) {
        this.owner = owner;
        this.segment = segment;
        this.tracker = tracker;
        this.cleanable = tracker == null ? null : CLEANER.register(this, tracker);
    }

    /** A handle for a block just allocated by {@code owner}, watched as {@code settings} say. */
    static Handle wrap(PyMalloc owner, MemorySegment segment, HandleSettings settings) {
        LeakDetection.Level level = settings.level();
        if (level == LeakDetection.Level.DISABLED || level == LeakDetection.Level.SAMPLED
                && ThreadLocalRandom.current().nextInt(LeakDetection.SAMPLING_INTERVAL) != 0) {
            return new Handle(owner, segment, null);
        }
        return new Handle(owner, segment, new Tracker(segment.address(), segment.byteSize(), site(),
                level == LeakDetection.Level.ALL, settings.listener()));
    }

    /**
     * The block.
     *
     * @throws IllegalStateException once the count has reached 0 (the block is freed)
     */
    public MemorySegment segment() {
        if ((int) COUNT.getVolatile(this) <= 0) {
            throw released("segment()");
        }
        return segment;
    }

    /**
     * Adds one to the count.
     *
     * @return this handle
     * @throws IllegalStateException if the count has already reached 0
     */
    public Handle retain() {
        int current;
        do {
            current = (int) COUNT.getVolatile(this);
            if (current <= 0) {
                throw released("retain()");
            }
            if (current == Integer.MAX_VALUE) {
                throw new IllegalStateException("reference count of " + this + " would overflow");
            }
        } while (!COUNT.compareAndSet(this, current, current + 1));
        record("retain", current + 1);
        return this;
    }

    /**
     * Takes one from the count, and frees the block when it reaches 0.
     *
     * @return true if this call freed the block
     * @throws IllegalStateException if the count has already reached 0 (released more often than retained)
     */
    public boolean release() {
        int current;
        do {
            current = (int) COUNT.getVolatile(this);
            if (current <= 0) {
                throw released("release()");
            }
        } while (!COUNT.compareAndSet(this, current, current - 1));
        record("release", current - 1);
        if (current > 1) {
            return false;
        }
        try {
            owner.free(segment);
        } catch (RuntimeException e) {
            COUNT.setVolatile(this, 1); // not freed: the handle still owns its block
            throw e;
        }
        if (tracker != null) {
            tracker.released = true;
            cleanable.clean();
        }
        return true;
    }

    /** The current count (0 once released). */
    public int refCount() {
        return (int) COUNT.getVolatile(this);
    }

    /** One {@link #release()}, for try-with-resources. */
    @Override
    public void close() {
        release();
    }

    @Override
    public String toString() {
        return "Handle[0x" + Long.toHexString(segment.address()) + ", " + segment.byteSize() + " bytes, refCount="
                + refCount() + "]";
    }

    private IllegalStateException released(String call) {
        return new IllegalStateException(call + " on a released handle (block 0x" + Long.toHexString(segment.address())
                + " of " + segment.byteSize() + " bytes was freed when its reference count reached 0)");
    }

    private void record(String what, int newCount) {
        if (tracker == null) {
            return;
        }
        tracker.lastCount = newCount;
        if (tracker.history != null) {
            synchronized (tracker.history) {
                tracker.history.add(new Touch(what, newCount, site()));
            }
        }
    }

    /** The caller's stack ({@link CallSite}), turned into text only if a leak is reported. */
    private static Throwable site() {
        return CallSite.capture();
    }

    /** The captured stack without jpymalloc's own frames, {@value #SITE_FRAMES} frames at most. */
    private static String format(Throwable site) {
        return CallSite.frames(site, SITE_FRAMES).stream().map(f -> "\tat " + f)
                .collect(Collectors.joining(System.lineSeparator()));
    }

    /** A retain or release of a tracked handle at {@link LeakDetection.Level#ALL}. */
    private record Touch(String what, int count, Throwable site) {
    }

    /** The cleaner's state: must not refer to the handle, or it would never become unreachable. */
    private static final class Tracker implements Runnable {
        private static final System.Logger LOGGER = System.getLogger("org.jpymalloc.leaks");

        private final long address;
        private final long byteSize;
        private final Throwable allocationSite;
        private final List<Touch> history;
        private final LeakDetection.Listener listener;
        volatile boolean released;
        volatile int lastCount = 1;

        Tracker(long address, long byteSize, Throwable allocationSite, boolean withHistory,
                LeakDetection.Listener listener) {
            this.address = address;
            this.byteSize = byteSize;
            this.allocationSite = allocationSite;
            this.history = withHistory ? new ArrayList<>() : null;
            this.listener = listener;
        }

        @Override
        public void run() {
            if (released) {
                return;
            }
            List<String> entries;
            if (history == null) {
                entries = List.of();
            } else {
                synchronized (history) {
                    entries = history.stream().map(t -> t.what() + " (count now " + t.count() + ") at:"
                            + System.lineSeparator() + format(t.site())).toList();
                }
            }
            LeakDetection.Leak leak = new LeakDetection.Leak(address, byteSize, lastCount, format(allocationSite),
                    entries);
            LOGGER.log(System.Logger.Level.ERROR, leak.describe());
            if (listener != null) {
                listener.leaked(leak);
            }
        }
    }
}
