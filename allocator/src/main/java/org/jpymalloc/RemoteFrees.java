package org.jpymalloc;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static org.jpymalloc.NativeMemory.EVERYTHING;

/**
 * Blocks freed by other threads while a stripe has an owner, waiting for whoever holds the stripe next
 * to return them to their pools (mimalloc's thread-delayed free list). A lock-free stack threaded through
 * the blocks' first words: a freeing thread pushes with one CAS and neither takes the stripe's lock nor
 * revokes its owner's bias, so a pipeline's consumer no longer moves the lock and the pool headers
 * across cores on every free. Whoever holds the stripe (its owner, or a lock holder) takes the whole
 * stack with one swap and frees each block in its pool: the owner when it needs a new pool, lock holders
 * when they take the lock, statistics, invariant checks and close before they look.
 *
 * <p>Pushed blocks are still live for their pools (their live bits stay set) and carry a pending bit in
 * their arena ({@link MappedArena#markRemotePending}), set with a CAS before the push: a second free of
 * the same block, from any thread, sees it and is rejected as a double free. Only push and take-all
 * exist, so there is no ABA problem.
 */
final class RemoteFrees extends RemoteFreesHead {

    private static final VarHandle HEAD;

    static {
        try {
            HEAD = MethodHandles.lookup().findVarHandle(RemoteFreesHead.class, "head", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused")
    private long p10, p11, p12, p13, p14, p15, p16, p17, p18, p19, p1a, p1b, p1c, p1d, p1e, p1f;

    /**
     * Pushes a live, pending block of {@code arena}: its first word becomes the link, written through the
     * arena's scoped segment, so that a push racing with close (a caller's error) throws
     * {@link IllegalStateException} instead of writing to unmapped memory.
     */
    void push(MappedArena arena, long block) {
        long offset = block - arena.base;
        long head;
        do {
            head = (long) HEAD.getVolatile(this);
            arena.segment.set(JAVA_LONG_UNALIGNED, offset, head);
        } while (!HEAD.compareAndSet(this, head, block));
    }

    /** True if no block waits; a plain read, so a hint only. */
    boolean isEmpty() {
        return (long) HEAD.getOpaque(this) == 0;
    }

    /**
     * Frees every waiting block into its pool; call with the stripe held. Answers how many were freed.
     * A block whose live bit is already clear (two threads freed it at the same moment, a race in the
     * caller) is dropped, leaving the pool intact.
     */
    int drainInto(Heap heap) {
        long block = (long) HEAD.getAndSet(this, 0L);
        int freed = 0;
        while (block != 0) {
            long next = EVERYTHING.get(JAVA_LONG_UNALIGNED, block);
            MappedArena arena = heap.arenaOfPool(heap.poolOf(block));
            arena.clearRemotePending(block);
            if (heap.free(arena, block)) {
                freed++;
            }
            block = next;
        }
        return freed;
    }
}

/** The stack's head, after 128 bytes of padding. */
abstract class RemoteFreesHead extends CacheLinePadding {
    @SuppressWarnings("unused") // accessed through RemoteFrees.HEAD
    volatile long head;
}
