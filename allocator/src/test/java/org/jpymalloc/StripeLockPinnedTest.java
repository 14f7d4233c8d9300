package org.jpymalloc;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A pinned lock's holder handshake ({@link StripeLock.Owner#enterPinned}), which reads the flag that keeps
 * the holder out in its own owner record: every way another thread keeps the holder out raises it there,
 * and every way it stops lowers it; a record whose bias ended keeps it raised for good.
 */
class StripeLockPinnedTest {

    private final Thread me = Thread.currentThread();
    private StripeLock lock;
    private StripeLock.Owner bias;

    @BeforeEach
    void pinToThisThread() {
        assumeTrue(StripeLock.BIAS_SUPPORTED, "needs membarrier");
        lock = StripeLock.pinnable();
        lock.lock(me);
        lock.pin(me);
        bias = lock.pinnedBias();
        lock.unlock(me);
    }

    @Test
    void theHolderEntersUntilAnotherThreadKeepsItOutForStatistics() throws Exception {
        assertTrue(enterAndLeave());
        onOtherThread(lock::lockExcludingOwner);
        assertFalse(enterAndLeave(), "kept out while the other thread holds the lock");
        onOtherThread(lock::releaseExcludingOwner);
        assertTrue(enterAndLeave());
    }

    @Test
    void anotherThreadsLockKeepsTheHolderOutUntilItsUnlock() throws Exception {
        Thread[] other = new Thread[1];
        onOtherThread(() -> {
            other[0] = Thread.currentThread();
            lock.lock(other[0]);
        });
        assertFalse(enterAndLeave());
        lock.unlock(other[0]); // the lock word and the flag, as the other thread's unlock would
        assertTrue(enterAndLeave(), "the bias stays: a pinned lock is never revoked");
    }

    @Test
    void aRetiredLockKeepsTheHolderOutForGood() throws Exception {
        onOtherThread(() -> {
            assertTrue(lock.acquireExcludingOwner());
            lock.retire();
            lock.releaseExcludingOwner();
        });
        assertFalse(enterAndLeave());
        assertFalse(enterAndLeave());
    }

    @Test
    void aClosedThreadHeapsRecordStaysKeptOutWhenTheHeapIsPinnedAgain() {
        lock.lock(me);
        lock.unpin(); // the thread heap closes
        lock.unlock(me);
        assertFalse(enterAndLeave(), "an unpinned record is kept out for good");
        lock.lock(me);
        lock.pin(me); // the next thread heap on this heap
        StripeLock.Owner next = lock.pinnedBias();
        lock.unlock(me);
        assertTrue(next.enterPinned());
        next.exit();
        assertFalse(enterAndLeave(), "a new bias is a new record: the old one stays out");
    }

    @Test
    void withoutABiasTheHolderAlwaysTakesTheLock() {
        StripeLock unpinned = StripeLock.pinnable();
        unpinned.lock(me);
        StripeLock.Owner none = unpinned.pinnedBias();
        unpinned.unlock(me);
        assertFalse(none.enterPinned());
        assertFalse(none.enterPinned());
    }

    @Test
    void anExcluderWaitsForTheHolderToLeave() throws Exception {
        assertTrue(bias.enterPinned());
        CompletableFuture<Void> excluder = CompletableFuture.runAsync(lock::lockExcludingOwner);
        Thread.sleep(50);
        assertFalse(excluder.isDone(), "the holder is inside: the excluder must wait");
        VarHandle.releaseFence();
        bias.clearBusy();
        excluder.get(10, TimeUnit.SECONDS);
        assertFalse(enterAndLeave());
        onOtherThread(lock::releaseExcludingOwner);
        assertTrue(enterAndLeave());
    }

    private boolean enterAndLeave() {
        if (!bias.enterPinned()) {
            return false;
        }
        VarHandle.releaseFence();
        bias.clearBusy();
        return true;
    }

    /** Runs {@code action} on another (live, then finished) thread and waits for it. */
    private static void onOtherThread(Runnable action) throws Exception {
        Thread thread = new Thread(action);
        thread.start();
        thread.join(10_000);
        assertFalse(thread.isAlive());
    }
}
