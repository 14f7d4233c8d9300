/*
 * The owner-bias handshake of StripeLock, model-checked with SPIN under x86-64's memory model (TSO):
 * each thread's stores wait in a FIFO store buffer and reach memory in order, at any time; its loads
 * read memory (a thread's own buffered 'busy' is never read by itself). membarrier(2) is modelled as
 * what it guarantees: when it returns, every other thread's buffered stores have reached memory.
 * Stores made with a fence (the lock's CAS, volatile writes of 'excluding' and 'owner') are immediate.
 *
 * Two worker threads (either may become the owner; the other revokes it) and one statistics thread
 * (transient exclusion) each run a few operations. The property: no two threads are ever inside the
 * stripe at once (assertion in enter/leave).
 *
 *   spin -a owner-bias.pml && gcc -O2 -DSAFETY -w -o pan pan.c && ./pan -m100000      (holds)
 *   spin -a -DNO_BARRIER owner-bias.pml && gcc -O2 -DSAFETY -w -o pan pan.c && ./pan   (fails)
 *   spin -t -p owner-bias.pml                                                 (the failing run)
 *
 * Results (SPIN 6.5.2, 2026-11-29): the model holds over its whole state space (53,904 states; with
 * OPS 3 and three-entry store buffers (edit both), 1,220,660 states). It fails without the barrier (the owner's
 * busy = 1 still in its buffer when the other thread reads busy == 0), and it fails if the owner skips
 * its second look at 'owner' (a stale owner enters after its bias went to the other worker): the two
 * checks enterAsOwner makes are both needed. What the model leaves to the code: that the JIT keeps the
 * owner's load after its store (VarHandle.releaseFence), and the heap's own reads and writes inside the
 * operation (after a volatile read of excluding, before a release fence at exit), which TSO orders
 * like the flag.
 */

#define NONE 0
#define OPS 2

bit lock = 0;
bit excluding = 0;
byte owner = NONE;           /* NONE, 1 or 2: the worker the stripe is biased to */
bit busy[3];                 /* busy[w]: worker w's flag, as memory holds it */
chan sb[3] = [2] of { bit }; /* worker w's store buffer of 'busy' stores */
byte inside = 0;             /* threads inside the stripe */

inline enter() { inside++; assert(inside == 1) }
inline leave() { inside-- }

/* A worker's buffered stores reach memory one at a time, whenever. */
proctype Flusher(byte w) {
    bit v;
end:
    do
    :: atomic { sb[w]?v -> busy[w] = v }
    od
}

/* membarrier: every buffered store of every other thread is in memory when it returns. */
inline barrier() {
#ifndef NO_BARRIER
    atomic {
        do
        :: sb[1]?v -> busy[1] = v
        :: sb[2]?v -> busy[2] = v
        :: empty(sb[1]) && empty(sb[2]) -> break
        od
    }
#endif
    skip
}

inline acquire() { atomic { lock == 0 -> lock = 1 } }

/* Excludes the owner 'o' (a lock holder): raise the flag, barrier, wait until its busy is clear. */
inline keepOut(o) {
    excluding = 1;
    barrier();
    busy[o] == 0
}

proctype Worker(byte me) {
    byte i = 0;
    byte o;
    bit v;
    do
    :: i < OPS ->
        i++;
        if
        :: owner == me ->
            sb[me]!1;                      /* busy = 1 (buffered) */
            if
            :: excluding == 0 && owner == me ->
                enter(); leave();          /* the operation, lock-free */
                sb[me]!0;                  /* busy = 0, release (buffered) */
                goto next
            :: else ->
                sb[me]!0                   /* back off to the lock */
            fi
        :: else -> skip
        fi;
        /* the lock path */
        acquire();
        o = owner;
        if
        :: o != NONE && o != me ->
            keepOut(o);
            owner = NONE;                  /* revoked for good */
            excluding = 0
        :: else -> skip
        fi;
        enter(); leave();
        if
        :: owner == NONE -> owner = me     /* biased to me at unlock (when the policy says so) */
        :: true -> skip
        fi;
        lock = 0;
next:   skip
    :: else -> break
    od
}

/* Statistics: excludes whoever owns the stripe while it walks, and keeps the bias. */
proctype Stats() {
    byte i = 0;
    byte o;
    bit v;
    do
    :: i < OPS ->
        i++;
        acquire();
        o = owner;
        if
        :: o != NONE -> keepOut(o)
        :: else -> skip
        fi;
        enter(); leave();
        excluding = 0;
        lock = 0
    :: else -> break
    od
}

init {
    atomic {
        run Flusher(1); run Flusher(2);
        run Worker(1); run Worker(2); run Stats()
    }
}
