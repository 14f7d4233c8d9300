package org.jpymalloc;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The heaps behind a shared allocator's {@link ThreadHeap}s: every heap ever made for one (they are never
 * dropped: their blocks belong to the shared allocator), which thread holds each, and the orphans, heaps
 * whose thread heap closed, waiting for the next thread heap. A new thread heap adopts the orphan closed
 * last (its pools are the warmest), else a heap whose holder died without closing it, else a new heap: so
 * the heaps number about the thread heaps ever open at once, however many threads come and go (a million
 * virtual threads that each open and close one use a few dozen).
 *
 * <p>Threads: opening a thread heap on an orphan and closing one take no lock here (a lock-free stack), so
 * that a virtual thread never parks, and lets others open more heaps, between the two. Making a heap and
 * finding a dead holder's take {@link #lock()}, which whole-allocator operations take before any heap's
 * lock ({@link Stripes#lockAll}); {@link #all()} is a copy-on-write array readable without it.
 */
final class ThreadHeaps {

    private final ReentrantLock lock = new ReentrantLock();
    private final Supplier<Heap> newHeap;
    /** Every heap made, in order; replaced under the lock, never changed, so that readers need no lock. */
    private volatile Heap[] heaps = new Heap[0];
    /** The thread holding each heap of {@link #heaps} that has a holder (orphans have none). */
    private final Map<Heap, Thread> holders = new ConcurrentHashMap<>();
    private final ConcurrentLinkedDeque<Heap> orphans = new ConcurrentLinkedDeque<>();

    /** {@code newHeap} makes a heap with a {@link StripeLock#pinnable()} lock. */
    ThreadHeaps(Supplier<Heap> newHeap) {
        this.newHeap = newHeap;
    }

    /**
     * A heap for {@code holder} (an orphan, a dead holder's heap, or a new one), returned with its lock held
     * by {@code holder} and pinned to it (its bias: {@link StripeLock#pinnedBias()}): the caller checks the
     * allocator is open, then unlocks.
     */
    Heap adopt(Thread holder) {
        Heap heap = orphans.pollFirst();
        if (heap != null) {
            holders.put(heap, holder);
        } else {
            heap = adoptOrMake(holder);
        }
        heap.lock.lock(holder); // an orphan is unpinned, a dead holder runs nothing: no one to keep out
        heap.lock.pin(holder);
        return heap;
    }

    /**
     * Under the lock: an orphan again (threads that found none queue here while one makes a heap, and a thread
     * heap closed meanwhile must serve them, or each makes a heap: hundreds, behind one slow first heap), else
     * a dead holder's heap, else a new one. So a heap is made only when every other is held or being adopted.
     */
    private Heap adoptOrMake(Thread holder) {
        lock.lock();
        try {
            Heap heap = orphans.pollFirst();
            if (heap == null) {
                heap = deadHoldersHeap();
            }
            if (heap == null) {
                heap = newHeap.get();
                heaps = append(heaps, heap);
            }
            holders.put(heap, holder);
            return heap;
        } finally {
            lock.unlock();
        }
    }

    /** A closing thread heap's heap, unpinned by its holder, waits for the next thread heap. */
    void orphan(Heap heap) {
        holders.remove(heap);
        orphans.addFirst(heap);
    }

    /** Whole-allocator operations take this before any heap's lock: no heap is made meanwhile. */
    void lock() {
        lock.lock();
    }

    void unlock() {
        lock.unlock();
    }

    /** Every heap made for a thread heap, open, orphaned or left by a dead thread. */
    Heap[] all() {
        return heaps;
    }

    /** Orphans waiting; for tests. */
    int orphanCount() {
        return orphans.size();
    }

    /**
     * Under the lock: a heap whose holder died without closing its thread heap, taken out of
     * {@link #holders}; O(heaps), only when no orphan waits. The iterator may show an entry already removed
     * (its holder closed it, then died): removing exactly that entry proves it is still the dead holder's,
     * and not on the orphan stack as well.
     */
    private Heap deadHoldersHeap() {
        for (Map.Entry<Heap, Thread> entry : holders.entrySet()) {
            Thread holder = entry.getValue();
            if (!holder.isAlive() && holders.remove(entry.getKey(), holder)) {
                return entry.getKey();
            }
        }
        return null;
    }

    private static Heap[] append(Heap[] heaps, Heap heap) {
        Heap[] more = Arrays.copyOf(heaps, heaps.length + 1);
        more[heaps.length] = heap;
        return more;
    }
}
