package org.jpymalloc;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The lock of one stripe of a shared allocator: a test-and-test-and-set spin lock that spins briefly,
 * then yields, then parks for a microsecond at a time. A stripe's critical sections last tens of
 * nanoseconds, so a waiter that parks (as {@code ReentrantLock} does soon after one failed attempt)
 * pays microseconds of futex calls for nothing: under a producer/consumer load that made the pipeline
 * run several times slower. Not reentrant; no fairness.
 */
final class StripeLock {

    private static final VarHandle STATE;
    private static final int SPINS_BEFORE_YIELD = 256;
    private static final int YIELDS_BEFORE_PARK = 16;
    private static final long PARK_NANOS = 1_000;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(StripeLock.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;

    void lock() {
        if (!STATE.compareAndSet(this, 0, 1)) {
            contended();
        }
    }

    void unlock() {
        STATE.setRelease(this, 0);
    }

    private void contended() {
        int attempts = 0;
        do {
            attempts++;
            if (attempts < SPINS_BEFORE_YIELD) {
                Thread.onSpinWait();
            } else if (attempts < SPINS_BEFORE_YIELD + YIELDS_BEFORE_PARK) {
                Thread.yield();
            } else {
                LockSupport.parkNanos(PARK_NANOS);
            }
        } while (state != 0 || !STATE.compareAndSet(this, 0, 1));
    }
}
