package org.jpymalloc;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The lock of one stripe of a shared allocator, <em>biased</em> towards one owner thread. (Made with
 * {@code new StripeLock(-1)} it is never biased: the leaf lock of {@link SystemBlockOwners}.)
 *
 * <p><b>The lock.</b> A test-and-test-and-set spin lock that spins briefly, then yields, then parks for a
 * microsecond at a time. A stripe's critical sections last tens of nanoseconds, so a waiter that parks
 * (as {@code ReentrantLock} does soon after one failed attempt) pays microseconds of futex calls for
 * nothing: under a producer/consumer load that made the pipeline run several times slower. Not
 * reentrant; no fairness.
 *
 * <p><b>The owner bias.</b> Most stripes are used by one thread at a time, and for that thread even an
 * uncontended lock costs an atomic instruction per operation. So a stripe may have an {@link Owner}: a
 * platform thread that enters without the lock and without any atomic instruction ({@link #enterAsOwner}),
 * announcing itself with a plain store to the {@code busy} flag of its owner record. Any other thread takes
 * the lock and then keeps the owner out: it raises the record's {@code excluded} flag, runs {@code
 * membarrier(2)} (which makes every running thread pass a full fence, so either the owner's {@code busy}
 * store is now visible or the owner's next load of {@code excluded} sees it raised), and waits until
 * {@code busy} is clear. This is the asymmetric Dekker handshake of biased locking and of userspace RCU:
 * the rare side pays a system call (with inter-processor interrupts) so that the common side pays no
 * atomic instruction. Both flags are in the owner's record, so the owner reads nothing of the lock but
 * the reference to its record.
 *
 * <pre>
 *  owner T:  busy = 1 ─ (compiler barrier) ─ excluded? ─ no ──► operate ──► busy = 0 (release)
 *                                                     └ yes ─► busy = 0; take the lock instead
 *  other U:  lock ─ excluded = 1 ─ membarrier ─ wait for busy == 0 ──► operate ──► excluded = 0 ─ unlock
 *            (a revocation leaves its record's flag raised for good and drops the record)
 * </pre>
 *
 * <p>Policy (HotSpot's biased locking, simplified): an operation under the lock by another thread takes
 * the bias away for good ({@link #lock}); statistics, invariant checks and close keep it out only while
 * they work ({@link #acquireExcludingOwner}). A stripe is biased again to a platform thread that unlocks
 * it after {@code quietOps} operations under the lock with no such revocation, and at once if its owner
 * had died (that is how a dead thread's stripe is adopted). Virtual threads are never owners: they would
 * come and go by the million, and a stripe they share must not be revoked on every operation. Without
 * {@code membarrier} (not Linux, or an old kernel) no stripe is ever biased.
 *
 * <p><b>Pinned.</b> The lock of a thread heap ({@link ThreadHeap}) is biased to the thread that holds the
 * thread heap, by {@link #pin}, whether platform or virtual, and never revoked: another thread that takes
 * the lock keeps the owner out only while it holds it, as statistics do. The bias ends when the thread heap
 * closes ({@link #unpin}) or its owner dies. The holder enters with {@link Owner#enterPinned}, from the
 * record it already holds; a stripe's owner with {@link #enterAsOwner}, which first loads the record.
 */
final class StripeLock {

    private static final VarHandle STATE;
    private static final int SPINS_BEFORE_YIELD = 256;
    private static final int YIELDS_BEFORE_PARK = 16;
    private static final long PARK_NANOS = 1_000;
    /** Operations under the lock, after a revocation, before the stripe is biased again. */
    static final int DEFAULT_QUIET_OPS = 1 << 16;
    /** Whether {@code membarrier(2)} works here; registered once per process. */
    static final boolean BIAS_SUPPORTED = NativeMemory.registerProcessBarrier();

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(StripeLock.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;
    /**
     * The bias: {@link Owner#NONE} or the thread that may enter without the lock. Written under the lock
     * while the owner is kept out, and read by the owner without the lock: not volatile, since a volatile
     * read is a compiler barrier on the hot path, and a stale read is harmless (see enterAsOwner).
     */
    private Owner owner = Owner.NONE;

    /** Under the lock: operations left before the stripe may be biased again; negative: never biased. */
    private int opsUntilBias;
    private final int quietOps;
    /** A thread heap's lock: biased by {@link #pin} only, and never revoked. */
    private final boolean pinned;
    /** Under the lock of a pinned stripe: the holder raised the owner's {@code excluded}, and lowers it at unlock. */
    private boolean holderExcludes;
    private boolean retired;
    /** Under the lock, for tests and diagnostics. */
    private long grants;
    private long revocations;

    /** A lock biased after {@link #DEFAULT_QUIET_OPS}, or never if {@code membarrier} is missing. */
    StripeLock() {
        this(BIAS_SUPPORTED ? DEFAULT_QUIET_OPS : -1);
    }

    /**
     * {@code quietOps}: operations under the lock after a revocation before biasing again (0: bias
     * again at once, which tests use to revoke as often as possible); negative: never biased.
     */
    StripeLock(int quietOps) {
        this(quietOps, false);
    }

    private StripeLock(int quietOps, boolean pinned) {
        if (quietOps >= 0 && !BIAS_SUPPORTED) {
            quietOps = -1;
        }
        this.quietOps = quietOps;
        this.opsUntilBias = quietOps < 0 ? -1 : 0;
        this.pinned = pinned;
    }

    /** The lock of a thread heap: biased only by {@link #pin}, never by use, never revoked. */
    static StripeLock pinnable() {
        return new StripeLock(-1, true);
    }

    /**
     * With the lock held by {@code owner} (taken with {@link #lock}): biases a pinnable lock to {@code owner}
     * until {@link #unpin} ({@link #pinnedBias()} answers the bias). Without {@code membarrier}, or once
     * retired, nothing changes: the owner then always takes the lock.
     */
    void pin(Thread owner) {
        if (BIAS_SUPPORTED && !retired) {
            dropBias(); // a dead holder's record, if the heap is adopted
            this.owner = new Owner(owner);
            grants++;
        }
    }

    /**
     * Under the lock: the bias {@link #pin} set, for {@link Owner#enterPinned}; without one (no {@code
     * membarrier}, or retired), an owner record that is kept out for good, so the holder always locks.
     */
    Owner pinnedBias() {
        return owner == Owner.NONE ? Owner.keptOut() : owner;
    }

    /** With the lock held by the owner: ends the bias (the thread heap closes). */
    void unpin() {
        dropBias();
    }

    /**
     * The owner's way in: the owner if {@code me} is it and nobody is keeping it out, else null (then
     * take {@link #lock}). A non-null answer must be left with {@link Owner#exit()}.
     *
     * <p>Only the owner record is read, not the lock: a stale {@code owner} is harmless, because every
     * record whose bias ended keeps its {@code excluded} flag raised for good ({@link #dropBias}), and
     * each bias is a new record. A thread that loads its revoked record either stored {@code busy} before
     * the revoker's barrier (which then waits for it) or sees the flag raised. {@code
     * docs/models/owner-bias.pml -DRECORD} checks this; it fails if a revocation lowers the flag.
     */
    Owner enterAsOwner(Thread me) {
        Owner bias = owner; // may be stale: then its flag is raised, or the revoker waits for us
        if (bias.thread != me || !bias.enterPinned()) {
            return null;
        }
        return bias;
    }

    /**
     * Takes the lock for an operation by {@code me}: another live thread's bias is revoked for good (the
     * owner kept out first), or, when pinned, the owner is kept out until {@link #unlock}; a dead owner's
     * stripe is adopted without a barrier or a revocation (a pinned one keeps its dead owner until the
     * next thread heap re-pins it).
     */
    void lock(Thread me) {
        acquire();
        Owner bias = owner;
        if (bias == Owner.NONE || bias.thread == me) {
            return;
        }
        if (pinned) {
            if (bias.thread.isAlive()) {
                keepOwnerOut();
                holderExcludes = true;
            }
            return;
        }
        if (bias.thread.isAlive()) {
            keepOwnerOut();
            dropBias();
            opsUntilBias = quietOps;
            revocations++;
        } else {
            // Adopted: a dead thread runs nothing, and everything it did happens-before isAlive() == false.
            dropBias();
        }
    }

    /** Ends an operation by {@code me} under the lock, biasing the stripe to {@code me} when it is time. */
    void unlock(Thread me) {
        if (holderExcludes) {
            holderExcludes = false;
            if (!retired) {
                lowerExcluding();
            }
        } else if (owner == Owner.NONE && opsUntilBias >= 0 && !retired) {
            if (opsUntilBias > 0) {
                opsUntilBias--;
            } else if (!me.isVirtual()) {
                owner = new Owner(me);
                grants++;
            }
        }
        STATE.setRelease(this, 0);
    }

    /**
     * Takes the lock and raises the flag that keeps the owner out, keeping the bias; true if there is an
     * owner, and then {@link NativeMemory#processBarrier()} and {@link #awaitOwnerIdle()} must follow
     * before the stripe is touched. (Split so that one barrier serves many stripes.)
     */
    boolean acquireExcludingOwner() {
        acquire();
        if (owner == Owner.NONE) {
            return false;
        }
        raiseExcluding();
        return true;
    }

    /** Takes the lock and keeps the owner, if any, out until {@link #releaseExcludingOwner()}; keeps the bias. */
    void lockExcludingOwner() {
        if (acquireExcludingOwner()) {
            NativeMemory.processBarrier();
            awaitOwnerIdle();
        }
    }

    /** After the barrier: waits until the owner has left the operation it may have been in. */
    void awaitOwnerIdle() {
        Owner bias = owner;
        int attempts = 0;
        while ((int) OwnerBusy.BUSY.getAcquire(bias) != 0 && (attempts < SPINS_BEFORE_YIELD || bias.thread.isAlive())) {
            attempts = backOff(attempts);
        }
    }

    /** Releases a lock taken by {@link #acquireExcludingOwner()}; the owner may enter again. */
    void releaseExcludingOwner() {
        if (!retired) {
            lowerExcluding();
        }
        STATE.setRelease(this, 0);
    }

    /** Under {@link #acquireExcludingOwner()}: no owner ever again (the allocator is closing). */
    void retire() {
        retired = true;
        dropBias(); // a thread heap's holder still holds its record: it stays kept out
    }

    /**
     * Whether another live thread owns the stripe (a plain read, possibly stale: the caller only uses it
     * to choose between pushing a free on the stripe's {@link RemoteFrees} and taking the lock).
     */
    boolean ownedByAnotherLiveThread(Thread me) {
        Thread thread = owner.thread;
        return thread != null && thread != me && thread.isAlive();
    }

    /** Under the lock: how many times the stripe was biased, and how many biases were revoked. */
    long grants() {
        return grants;
    }

    long revocations() {
        return revocations;
    }

    /**
     * Ends the bias for good: its record's flag stays raised (nobody lowers a record that is no longer
     * the bias), so its thread, reading the record from a stale {@code owner} or holding it as a thread
     * heap does, takes the lock from now on.
     */
    private void dropBias() {
        raiseExcluding();
        owner = Owner.NONE;
    }

    private void keepOwnerOut() {
        raiseExcluding();
        NativeMemory.processBarrier();
        awaitOwnerIdle();
    }

    /** Raises the flag, in the current owner's record, that keeps the owner out. */
    private void raiseExcluding() {
        Owner bias = owner;
        if (bias != Owner.NONE) {
            OwnerBusy.EXCLUDED.setVolatile(bias, 1);
        }
    }

    /**
     * Lowers it again (release: the owner that sees it low sees everything done meanwhile). Only for an
     * owner that stays the bias: a record whose bias ended keeps its flag raised for good, since its
     * thread may still read the record from a stale {@code owner} ({@link #enterAsOwner}).
     */
    private void lowerExcluding() {
        Owner bias = owner;
        if (bias != Owner.NONE) {
            OwnerBusy.EXCLUDED.setRelease(bias, 0);
        }
    }

    private void acquire() {
        if (!STATE.compareAndSet(this, 0, 1)) {
            contended();
        }
    }

    private void contended() {
        int attempts = 0;
        do {
            attempts = backOff(attempts);
        } while (state != 0 || !STATE.compareAndSet(this, 0, 1));
    }

    private static int backOff(int attempts) {
        if (attempts < SPINS_BEFORE_YIELD) {
            Thread.onSpinWait();
        } else if (attempts < SPINS_BEFORE_YIELD + YIELDS_BEFORE_PARK) {
            Thread.yield();
        } else {
            LockSupport.parkNanos(PARK_NANOS);
        }
        return attempts + 1;
    }

    /**
     * A bias: the owner thread and the flag it raises while it operates. Only that thread writes it, at
     * every operation, so the flag has cache lines of its own ({@link CacheLinePadding}): sharing a line
     * with a field another thread writes, wherever the garbage collector happens to move the object,
     * would make the owner's every operation a cache miss.
     */
    static final class Owner extends OwnerBusy {
        static final Owner NONE = new Owner(null);

        final Thread thread;
        @SuppressWarnings("unused")
        private long p10, p11, p12, p13, p14, p15, p16, p17, p18, p19, p1a, p1b, p1c, p1d, p1e, p1f;

        private Owner(Thread thread) {
            this.thread = thread;
        }

        /** A record whose owner is kept out for good: {@link #enterPinned} always answers false. */
        static Owner keptOut() {
            Owner never = new Owner(null);
            never.excluded = 1;
            return never;
        }

        /**
         * A thread heap holder's way in (its lock pinned to it, {@link #pin}): true if in (leave with
         * {@code VarHandle.releaseFence(); clearBusy()}), false if someone keeps it out (then take {@link
         * #lock}). {@link #enterAsOwner} is this after loading the record from the lock and checking
         * its thread; a holder already has its record. A record stops being the bias only with its flag
         * raised for good ({@link #dropBias}).
         */
        boolean enterPinned() {
            busy = 1;
            // A compiler barrier, no instruction on x86-64: the load below must not move above the store.
            // The processor may still reorder them; the excluder's membarrier is what covers that.
            // (Plain accesses and fences rather than VarHandle modes: the same code in far fewer IR nodes
            // before C2 folds it, which keeps callers within C2's inlining budget.)
            VarHandle.releaseFence();
            if (excluded != 0) { // volatile: an excluder that has left published its writes to the heap
                exit();
                return false;
            }
            return true;
        }

        /** Leaves the operation: every write of it is visible to whoever sees {@code busy} clear. */
        void exit() {
            VarHandle.releaseFence(); // with the store below: a release store
            clearBusy();
        }

        /**
         * {@link #exit()} less its fence, for the hot paths, which write {@code VarHandle.releaseFence();
         * owner.clearBusy();}: six bytes of bytecode, which C2 inlines even past its node cutoff, where a
         * call to {@code exit()} stays a call (docs/design.md, "Performance notes"). Never without the fence.
         */
        void clearBusy() {
            busy = 0;
        }
    }

    /** The owner's flag and, beside it, the flag that keeps the owner out, after 128 bytes of padding. */
    abstract static class OwnerBusy extends CacheLinePadding {
        static final VarHandle BUSY;
        static final VarHandle EXCLUDED;

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                BUSY = lookup.findVarHandle(OwnerBusy.class, "busy", int.class);
                EXCLUDED = lookup.findVarHandle(OwnerBusy.class, "excluded", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /** Written by the owner only, with plain stores ordered by fences; read by others through BUSY. */
        int busy;
        /**
         * Raised while another thread keeps the owner out, and for good once the record is no longer the
         * bias; written by whoever holds the lock (rarely: statistics, close, a revocation, a free that must
         * keep a thread heap's holder out), read by the owner at every operation.
         */
        volatile int excluded;
    }
}
