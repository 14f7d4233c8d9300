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
 * With -DPINNED it checks a thread heap's pinned lock instead: worker 1 holds the bias for good and
 * enters by storing its busy flag and reading the 'excluded' flag of its own owner record (not the lock's
 * 'excluding'), with no second look at 'owner'; worker 2 takes the lock and keeps the holder out only
 * while it works, statistics do the same, and a closer retires the lock (the flag stays raised for
 * good). Every excluder raises and lowers the record's flag with the lock's (raiseExcluding,
 * lowerExcluding).
 *
 *   spin -a -DPINNED owner-bias.pml && gcc -O2 -DSAFETY -w -o pan pan.c && ./pan -m100000   (holds)
 *   spin -a -DPINNED -DNO_BARRIER owner-bias.pml && gcc ... && ./pan                        (fails)
 *   spin -a -DPINNED -DNO_RECORD_FLAG owner-bias.pml && gcc ... && ./pan                    (fails)
 *
 * With -DRECORD it checks the stripes' protocol as the code has it (StripeLock.enterAsOwner): the owner
 * loads its record from 'owner', then stores its busy flag and reads only that record's 'excluded' flag;
 * revocation raises it and drops the record for good (so does every other end of a bias in the code:
 * adoption of a dead owner's stripe, unpin, retire), and each bias is a new record. Statistics raise and
 * lower the current record's flag. -DLOWER_ON_REVOKE is its control. The model keeps one busy flag per
 * thread where the code keeps one per record; a revoker waits on the record it drops, which is the one a
 * stale owner enters by, so the two agree.
 *
 * Without -DPINNED or -DRECORD it checks the stripes' earlier protocol, which the record's flag replaced:
 * the owner reads the lock's 'excluding' and then looks at 'owner' a second time.
 *
 * Results for -DPINNED (SPIN 6.5.2, 2026-12-02): holds over the whole state space (9,352 states; 34,506
 * with OPS 3); fails without the barrier, and fails if excluders raise only the lock's flag
 * (-DNO_RECORD_FLAG: the holder reads a flag nobody raised). For -DRECORD: holds (113,530 states;
 * 2,865,570 with OPS 3); fails without the barrier, and fails with -DLOWER_ON_REVOKE (a worker that
 * read its record before the revocation enters beside the revoker).
 *
 * Results for the earlier protocol (SPIN 6.5.2, 2026-11-29): the model holds over its whole state space (53,904 states; with
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

#ifdef PINNED
bit excluded = 0;            /* the holder's owner record's flag (StripeLock.OwnerBusy.excluded) */
bit retired = 0;

/* raiseExcluding(): the lock's flag and the holder's record's, both with a fence. */
inline raise() {
    excluding = 1;
#ifndef NO_RECORD_FLAG
    excluded = 1
#endif
}

/* lowerExcluding() (not once retired: the flag stays raised for good). */
inline lower() {
    if
    :: !retired -> excluded = 0; excluding = 0
    :: else -> skip
    fi
}

/* Worker 1, the thread heap's holder: Owner.enterPinned(), else the lock (its own bias: no exclusion). */
proctype Holder() {
    byte i = 0;
    do
    :: i < OPS ->
        i++;
        sb[1]!1;                           /* busy = 1 (buffered) */
        if
        :: excluded == 0 ->
            enter(); leave();              /* the operation, lock-free */
            sb[1]!0;                       /* busy = 0, release (buffered) */
            goto next
        :: else ->
            sb[1]!0                        /* back off to the lock */
        fi;
        acquire();
        enter(); leave();
        lock = 0;
next:   skip
    :: else -> break
    od
}

/* Worker 2, or statistics, or the closer: the lock, the holder kept out while it works. */
proctype Excluder(bit retires) {
    byte i = 0;
    bit v;
    do
    :: i < OPS ->
        i++;
        acquire();
        raise();
        barrier();
        busy[1] == 0;                      /* awaitOwnerIdle */
        enter(); leave();
        if
        :: retires -> retired = 1          /* retire(): no owner ever again */
        :: else -> skip
        fi;
        lower();
        lock = 0
    :: else -> break
    od
}

init {
    atomic {
        run Flusher(1);
        run Holder(); run Excluder(0); run Excluder(1)
    }
}
#elif defined(RECORD)
/*
 * The stripes' protocol (StripeLock.enterAsOwner): the owner reads only its record's 'excluded' flag (no
 * 'excluding', no second look at 'owner'). Each bias is a new record; revocation raises the old record's
 * flag and never lowers it, statistics raise and lower the current record's.
 */
#define RECORDS 8
bit excluded[RECORDS];
byte ownerRec = 0;           /* the current bias's record (with 'owner', one reference in the code) */
byte records = 0;

proctype WorkerR(byte me) {
    byte i = 0;
    byte o;
    byte r;
    bit v;
    do
    :: i < OPS ->
        i++;
        atomic { o = owner; r = ownerRec }  /* bias = owner: one reference read */
        if
        :: o == me ->
            sb[me]!1;                      /* busy = 1 (buffered) */
            if
            :: excluded[r] == 0 ->
                enter(); leave();
                sb[me]!0;
                goto next
            :: else ->
                sb[me]!0
            fi
        :: else -> skip
        fi;
        acquire();
        o = owner;
        if
        :: o != NONE && o != me ->
            excluding = 1; excluded[ownerRec] = 1;   /* raiseExcluding */
            barrier();
            busy[o] == 0;
            owner = NONE;                  /* revoked for good: that record stays excluded */
#ifdef LOWER_ON_REVOKE
            excluded[ownerRec] = 0;        /* the control: lowering it lets a stale owner in */
#endif
            excluding = 0
        :: else -> skip
        fi;
        enter(); leave();
        if
        :: owner == NONE && records < RECORDS - 1 ->
            atomic { records++; ownerRec = records; owner = me }   /* a new record, excluded 0 */
        :: true -> skip
        fi;
        lock = 0;
next:   skip
    :: else -> break
    od
}

proctype StatsR() {
    byte i = 0;
    byte o;
    bit v;
    do
    :: i < OPS ->
        i++;
        acquire();
        o = owner;
        if
        :: o != NONE ->
            excluding = 1; excluded[ownerRec] = 1;
            barrier();
            busy[o] == 0;
            enter(); leave();
            excluded[ownerRec] = 0; excluding = 0
        :: else ->
            enter(); leave()
        fi;
        lock = 0
    :: else -> break
    od
}

init {
    atomic {
        run Flusher(1); run Flusher(2);
        run WorkerR(1); run WorkerR(2); run StatsR()
    }
}
#else
init {
    atomic {
        run Flusher(1); run Flusher(2);
        run Worker(1); run Worker(2); run Stats()
    }
}
#endif
