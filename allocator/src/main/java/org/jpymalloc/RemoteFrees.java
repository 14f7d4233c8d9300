package org.jpymalloc;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ThreadLocalRandom;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static org.jpymalloc.NativeMemory.EVERYTHING;

/**
 * Blocks freed by other threads while a stripe has an owner, waiting for whoever holds the stripe next
 * to return them to their pools (mimalloc's thread-delayed free list). A lock-free stack threaded through
 * the blocks' first words: a freeing thread pushes with one CAS and neither takes the stripe's lock nor
 * revokes its owner's bias, so a pipeline's consumer no longer moves the lock and the pool headers
 * across cores on every free. Whoever holds the stripe (its owner, or a lock holder) takes the whole
 * stack with one swap and frees each block in its pool: whoever needs a new pool for a class (owner or
 * lock holder), and statistics, invariant checks and close before they look.
 *
 * <p>Pushed blocks are still live for their pools (their live bits stay set) and carry a pending bit in
 * their arena ({@link MappedArena#markRemotePending}), set with a CAS before the push: a second free of
 * the same block, from any thread, sees it and is rejected as a double free. Only push and take-all
 * exist, so there is no ABA problem.
 *
 * <p><b>Links a program can write.</b> A pushed block's first word is still inside the segment its
 * program holds, so a write after free can change a link. Links are therefore stored encoded with a
 * random per-stack key whose low bit is set (mimalloc's encoded free lists): a plain value a program
 * writes, 0 included, decodes to an address that is not a block. Before a link is followed it is proven
 * to be a block of this heap waiting on this stack (its arena found by the {@link ArenaMap}, which reads
 * no memory; live and pending bits set at a block start), so the next read is inside a mapped arena. A
 * link that fails the proof ends the walk: the blocks behind it stay allocated (a leak, which statistics
 * show, never a crash), the corruption is logged (logger {@code org.jpymalloc}) and reported once as an
 * {@link IllegalStateException} by the next allocation on the stripe that collects.
 */
final class RemoteFrees extends RemoteFreesHead {

    private static final VarHandle HEAD;
    private static final System.Logger LOGGER = System.getLogger("org.jpymalloc");

    static {
        try {
            HEAD = MethodHandles.lookup().findVarHandle(RemoteFreesHead.class, "head", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused")
    private long p10, p11, p12, p13, p14, p15, p16, p17, p18, p19, p1a, p1b, p1c, p1d, p1e, p1f;

    /** XORed into every stored link; odd, so that an encoded 0 (or any value a program writes) is no block. */
    private final long key = ThreadLocalRandom.current().nextLong() | 1;
    /** A corruption found by a drain and not yet reported by an allocation; read and written by the stripe holder. */
    private IllegalStateException corruption;

    /**
     * Pushes a live, pending block of {@code arena}: its first word becomes the encoded link, written
     * through the arena's scoped segment, so that a push racing with close (a caller's error) throws
     * {@link IllegalStateException} instead of writing to unmapped memory.
     */
    void push(MappedArena arena, long block) {
        long offset = block - arena.base;
        long head;
        do {
            head = (long) HEAD.getVolatile(this);
            arena.segment.set(JAVA_LONG_UNALIGNED, offset, head ^ key);
        } while (!HEAD.compareAndSet(this, head, block));
    }

    /**
     * A free of a block whose heap another live thread owns: marked pending and pushed on its heap's stack,
     * without the lock and without revoking the owner. False, having changed nothing, when anything is
     * doubtful (arena released, not this arena's segment, not a live block, already pending): the lock path
     * then decides, and says what the segment is. {@code segment} is null for the address API.
     */
    static boolean tryPush(MemorySegment segment, MappedArena arena, long address) {
        if (!arena.mapped || !SharedAllocator.isOf(arena, segment) || !arena.heap.isLiveBlock(arena, address)
                || !arena.markRemotePending(address)) {
            return false;
        }
        arena.heap.remoteFrees.push(arena, address);
        return true;
    }

    /** True if no block waits; a plain read, so a hint only. */
    boolean isEmpty() {
        return (long) HEAD.getOpaque(this) == 0;
    }

    /**
     * Frees every waiting block into its pool; call with the stripe held. Answers how many were freed.
     * A block whose live bit is already clear (two threads freed it at the same moment, a race in the
     * caller) is dropped, leaving the pool intact; a link that is not a waiting block ends the walk.
     */
    int drainInto(Heap heap) {
        long block = (long) HEAD.getAndSet(this, 0L);
        MappedArena arena = block == 0 ? null : heap.arenaOf(block); // pushed by push(): a waiting block
        int freed = 0;
        while (arena != null) {
            long next = EVERYTHING.get(JAVA_LONG_UNALIGNED, block) ^ key; // inside a mapped arena of this heap
            arena.clearRemotePending(block);
            if (heap.free(arena, block)) {
                freed++;
            }
            if (next == 0) {
                break;
            }
            MappedArena nextArena = heap.arenaOf(next);
            if (!isWaitingBlock(heap, nextArena, next)) {
                reportCorruptLink(block, next);
                break;
            }
            block = next;
            arena = nextArena;
        }
        return freed;
    }

    /** Whether {@code address} is a block of {@code heap}'s {@code arena} pushed on a remote-free stack. */
    private static boolean isWaitingBlock(Heap heap, MappedArena arena, long address) {
        return arena != null && arena.heap == heap && arena.mapped && heap.isLiveBlock(arena, address)
                && arena.isRemotePending(address);
    }

    private void reportCorruptLink(long block, long link) {
        String message = "the list of blocks freed by other threads is corrupt: block 0x" + Long.toHexString(block)
                + " links to 0x" + Long.toHexString(link) + ", which is not a block waiting to be collected"
                + " (expected the end of the list or such a block of this heap; was the block written after it was"
                + " freed?). The blocks after it in the list stay allocated.";
        LOGGER.log(System.Logger.Level.WARNING, message);
        if (corruption == null) {
            corruption = new IllegalStateException(message);
        }
    }

    /** Throws, once, the corruption a drain found; with the stripe held. */
    void throwIfCorrupt() {
        IllegalStateException found = corruption;
        if (found != null) {
            corruption = null;
            throw found;
        }
    }
}

/** The stack's head, after 128 bytes of padding. */
abstract class RemoteFreesHead extends CacheLinePadding {
    @SuppressWarnings("unused") // accessed through RemoteFrees.HEAD
    volatile long head;
}
