package org.jpymalloc;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * Wholly free arenas that CPython's policy released but that a heap keeps mapped for a while, so that a
 * workload that empties and refills arenas does not pay {@code mmap}, {@code munmap} and the page faults of
 * fresh memory each time (jemalloc's dirty pages under {@code dirty_decay_ms}, mimalloc's purge delay).
 * Not in the arena table or the arena map: pymalloc's view is that they were reclaimed, so CPython's arena
 * counters are unchanged.
 *
 * <pre>
 *   oldest ............................................. newest
 *   [arena, released at t0] [arena, t1] ... [arena, tn]   &lt;- retain() pushes, takeNewest() pops (warmest)
 *    ^ decay(now) unmaps from here, each once now - t &gt;= decay
 * </pre>
 *
 * <p>Two limits, from {@link ArenaRetention}: at most {@code maxArenas} are kept (past it the oldest goes
 * back at once), and each goes back once it has been retained for the decay time. Decay is applied when
 * the heap works at the arena or pool level (a pool taken or emptied, an arena released or needed), as
 * jemalloc does without background threads: a heap that is idle keeps its retained arenas until it is
 * used again, trimmed ({@link PyMalloc#trim()}) or closed. Reuse takes the most recently released arena,
 * whose pages are the likeliest to be resident still.
 *
 * <p>Not thread-safe: the heap's owner (or its stripe lock) guards it.
 */
final class RetainedArenas {

    private record Entry(MappedArena arena, long releasedAt) {
    }

    private final ArenaRetention policy;
    /** Returns an arena's memory to the OS ({@link ArenaTable}'s, with the budget and usage it keeps). */
    private final Consumer<MappedArena> unmap;
    private final ArrayDeque<Entry> entries = new ArrayDeque<>();

    RetainedArenas(ArenaRetention policy, Consumer<MappedArena> unmap) {
        this.policy = policy;
        this.unmap = unmap;
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    int count() {
        return entries.size();
    }

    /** The most recently released arena, no longer retained; the caller reuses it. */
    MappedArena takeNewest() {
        return entries.pollLast().arena();
    }

    /** Keeps a released, wholly free arena, or unmaps it if the policy keeps none; then applies the limits. */
    void retain(MappedArena arena, long now) {
        if (policy.maxArenas() == 0) {
            unmap.accept(arena);
            return;
        }
        entries.addLast(new Entry(arena, now));
        if (entries.size() > policy.maxArenas()) {
            unmap.accept(entries.pollFirst().arena());
        }
        decay(now);
    }

    /** Unmaps every arena retained for the decay time or longer; answers how many. */
    int decay(long now) {
        int unmapped = 0;
        for (Entry oldest; (oldest = entries.peekFirst()) != null && now - oldest.releasedAt() >= policy.decayNanos(); ) {
            unmap.accept(entries.pollFirst().arena());
            unmapped++;
        }
        return unmapped;
    }

    /** Unmaps every retained arena now; answers how many. */
    int releaseAll() {
        int count = entries.size();
        for (Entry entry; (entry = entries.pollFirst()) != null; ) {
            unmap.accept(entry.arena());
        }
        return count;
    }
}
