package org.jpymalloc;

import java.util.HashSet;
import java.util.Set;

/**
 * The mid and bottom nodes CPython 3.10+'s arena map ({@link Geometry.RadixTree}) would have made for the
 * arenas an allocator has mapped: obmalloc's {@code arena_map_mid_count} and {@code arena_map_bot_count},
 * for {@code sys._debugmallocstats()}'s "arena map counts". CPython makes a node the first time an arena's
 * range reaches it and never frees one, so these count every node ever reached. Updated when an arena is
 * mapped (rare): synchronized.
 */
final class RadixTreeNodes {

    private final Geometry geometry;
    /** Mid nodes, by the address bits above the mid level (the root index). */
    private final Set<Long> mids = new HashSet<>();
    /** Bottom nodes, by the address bits above the bottom level (root and mid index). */
    private final Set<Long> bottoms = new HashSet<>();

    RadixTreeNodes(Geometry geometry) {
        this.geometry = geometry;
    }

    /**
     * An arena mapped at {@code base}: as {@code arena_map_mark_used}, its base's nodes, and when the base
     * is not aligned to the arena size, the nodes of the range's tail (base plus the arena size) too.
     */
    synchronized void arenaMapped(long base) {
        if (geometry.radixTree() == Geometry.RadixTree.NONE) {
            return;
        }
        reach(base);
        if ((base & (geometry.arenaSize() - 1)) != 0) {
            reach(base + geometry.arenaSize());
        }
    }

    private void reach(long address) {
        long mapped = geometry.radixTree().bits() == 64 ? address : address & ((1L << geometry.radixTree().bits()) - 1);
        int bottomShift = geometry.arenaShift() + geometry.radixBottomBits();
        int midShift = bottomShift + geometry.radixInteriorBits();
        mids.add(mapped >>> midShift);
        bottoms.add(mapped >>> bottomShift);
    }

    synchronized long midNodes() {
        return mids.size();
    }

    synchronized long bottomNodes() {
        return bottoms.size();
    }
}
