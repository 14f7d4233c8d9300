package org.jpymalloc;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.function.ToLongFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A stripe owner's way in ({@link StripeLock#enterAsOwner}) reads only its owner record's flag, so every
 * record whose bias ended must keep that flag raised for good: an owner that loads a stale record (from
 * before a revocation) must be refused, whatever has happened to the lock since. Statistics keep the
 * current owner out only while they hold the lock.
 */
class StripeLockOwnerRecordTest {

    private final Thread me = Thread.currentThread();
    private StripeLock lock;

    @BeforeEach
    void biasToThisThread() {
        assumeTrue(StripeLock.BIAS_SUPPORTED, "needs membarrier");
        lock = new StripeLock(0); // biased again at the first unlock after a revocation
        lock.lock(me);
        lock.unlock(me);
    }

    @Test
    void theOwnerEntersWithoutTheLock() {
        StripeLock.Owner record = enterAndLeave();
        assertNotNull(record);
        assertSame(record, enterAndLeave(), "one record per bias");
        assertEquals(1, grants());
    }

    @Test
    void aRevokedRecordIsKeptOutForGoodEvenOnceTheStripeIsBiasedToItsThreadAgain() throws Exception {
        StripeLock.Owner revoked = enterAndLeave();
        onOtherThread(() -> {
            Thread other = Thread.currentThread();
            lock.lock(other); // revokes this thread's bias (it is alive), then biases the stripe to other
            lock.unlock(other);
        });
        assertNull(enterAndLeave(), "the stripe is the other thread's now");
        assertFalse(revoked.enterPinned(), "a stale load of the revoked record must not let its thread in");

        // The other thread is dead: this lock adopts its stripe (no revocation), the unlock biases it to
        // this thread again, with a new record.
        assertEquals(1, revocations());
        StripeLock.Owner again = enterAndLeave();
        assertNotNull(again);
        assertNotSame(revoked, again);
        assertFalse(revoked.enterPinned(), "the old record stays kept out");
        assertEquals(1, revocations());
        assertEquals(3, grants());
    }

    @Test
    void statisticsKeepTheOwnerOutOnlyWhileTheyHoldTheLock() throws Exception {
        StripeLock.Owner record = enterAndLeave();
        onOtherThread(lock::lockExcludingOwner);
        assertNull(enterAndLeave(), "kept out while statistics hold the lock");
        onOtherThread(lock::releaseExcludingOwner);
        assertSame(record, enterAndLeave(), "the bias is kept");
        assertEquals(0, revocations());
    }

    @Test
    void aRetiredStripeKeepsItsLastOwnerOut() throws Exception {
        StripeLock.Owner record = enterAndLeave();
        onOtherThread(() -> {
            assertTrue(lock.acquireExcludingOwner());
            lock.retire();
            lock.releaseExcludingOwner();
        });
        assertNull(enterAndLeave());
        assertFalse(record.enterPinned(), "releasing a retired lock must not lower the dropped record's flag");
    }

    @Test
    void aLockThatIsNeverBiasedLetsNobodyInWithoutIt() {
        StripeLock never = new StripeLock(-1);
        never.lock(me);
        never.unlock(me);
        assertNull(never.enterAsOwner(me));
    }

    /** Enters as the owner and leaves at once: the record, or null if this thread must take the lock. */
    private StripeLock.Owner enterAndLeave() {
        StripeLock.Owner record = lock.enterAsOwner(me);
        if (record != null) {
            record.exit();
        }
        return record;
    }

    private long grants() {
        return underLock(StripeLock::grants);
    }

    private long revocations() {
        return underLock(StripeLock::revocations);
    }

    /** Read under the lock taken by this thread (which may adopt and re-bias a dead owner's stripe). */
    private long underLock(ToLongFunction<StripeLock> counter) {
        lock.lock(me);
        try {
            return counter.applyAsLong(lock);
        } finally {
            lock.unlock(me);
        }
    }

    /** Runs {@code action} on another (live, then finished) thread and waits for it. */
    private static void onOtherThread(Runnable action) throws Exception {
        Thread thread = new Thread(action);
        thread.start();
        thread.join(10_000);
        assertFalse(thread.isAlive());
    }
}
