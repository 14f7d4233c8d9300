package org.jpymalloc;

import java.util.List;
import java.util.Objects;

/**
 * An immutable snapshot of an allocator's state, with the quantities of CPython's
 * {@code sys._debugmallocstats()} and the system path's counters.
 *
 * <p>Pool figures come from a walk over every carved pool of every arena (O(pools)), as CPython's does;
 * arena and system-path figures are counters. The byte accounting of the pools obeys CPython's identity,
 * which {@link #checkIdentity()} verifies:
 * <pre>
 * allocatedBytes + availableBytes + unusedPoolBytes + poolHeaderBytes + quantizationBytes
 *     + arenaAlignmentBytes == arenasCurrent * arenaSize
 * </pre>
 *
 * @param geometry the allocator's geometry
 * @param sizeClasses one entry per size class, in index order (classes without pools have zeros)
 * @param arenasAllocatedTotal arenas ever mapped
 * @param arenasReclaimed arenas unmapped again ({@code total - current})
 * @param arenasHighwater the largest number of arenas mapped at once
 * @param arenasCurrent arenas mapped now
 * @param unusedPools empty pools plus pools not yet carved, over all arenas
 * @param arenaAlignmentBytes bytes lost because arena bases were not pool-aligned (a pool per such arena)
 * @param systemLiveBlocks blocks live on the system path ({@code malloc})
 * @param systemLiveBytes bytes requested by those blocks
 * @param systemAllocationsTotal system-path allocations ever made (reallocations included)
 * @param systemPeakBytes the largest {@code systemLiveBytes} seen
 * @param spareArenas wholly free arenas kept mapped for reuse: released in pymalloc's view (counted in
 *     {@code arenasReclaimed}, not in {@code arenasCurrent}) but not yet returned to the OS
 * @param requestedBytesPeak the most bytes requested by live blocks (pools and system path) at once
 * @param heldBytesAtRequestedPeak {@link #heldBytes()} at that moment
 * @param heldBytesPeak the most bytes held at once ({@link #heldBytes()}: arenas mapped, spares included,
 *     and system-path blocks)
 * @param requestedBytesAtHeldPeak requested bytes of live blocks at that moment
 * @param arenaUtilisationHistogram arenas held by their utilisation (live block bytes over arena bytes) in
 *     ten buckets: {@code [0]} below 10%, ..., {@code [9]} 90% and above
 * @param requestedBytesTracked whether the allocator keeps requested bytes
 *     ({@link PyMalloc.Builder#trackRequestedBytes}); if not, pool blocks count as requested in full and
 *     the four peak figures are 0
 * @param arenaMapMidNodes mid nodes CPython 3.10+'s arena map would have made for the arenas ever mapped
 *     (obmalloc's {@code arena_map_mid_count}); 0 for a geometry without one ({@link Geometry.RadixTree})
 * @param arenaMapBottomNodes its bottom nodes ({@code arena_map_bot_count}); 0 without one
 * @param systemHeldBytes bytes the system path holds from the C library: live blocks at the capacities
 *     asked for and, in a shared allocator, freed blocks cached to serve again (confined: {@code
 *     systemLiveBytes})
 * @param systemCachedBlocks freed system blocks a shared allocator keeps to serve again ({@link
 *     PyMalloc#trim()} gives them back); 0 in a confined one
 */
public record MallocStats(
        Geometry geometry,
        List<SizeClassStats> sizeClasses,
        long arenasAllocatedTotal,
        long arenasReclaimed,
        long arenasHighwater,
        long arenasCurrent,
        long unusedPools,
        long arenaAlignmentBytes,
        long systemLiveBlocks,
        long systemLiveBytes,
        long systemAllocationsTotal,
        long systemPeakBytes,
        long spareArenas,
        long requestedBytesPeak,
        long heldBytesAtRequestedPeak,
        long heldBytesPeak,
        long requestedBytesAtHeldPeak,
        List<Integer> arenaUtilisationHistogram,
        boolean requestedBytesTracked,
        long arenaMapMidNodes,
        long arenaMapBottomNodes,
        long systemHeldBytes,
        long systemCachedBlocks) {

    /** Statistics whose system path holds exactly its live blocks' bytes, and caches none. */
    public MallocStats(Geometry geometry, List<SizeClassStats> sizeClasses, long arenasAllocatedTotal,
                       long arenasReclaimed, long arenasHighwater, long arenasCurrent, long unusedPools,
                       long arenaAlignmentBytes, long systemLiveBlocks, long systemLiveBytes,
                       long systemAllocationsTotal, long systemPeakBytes, long spareArenas, long requestedBytesPeak,
                       long heldBytesAtRequestedPeak, long heldBytesPeak, long requestedBytesAtHeldPeak,
                       List<Integer> arenaUtilisationHistogram, boolean requestedBytesTracked, long arenaMapMidNodes,
                       long arenaMapBottomNodes) {
        this(geometry, sizeClasses, arenasAllocatedTotal, arenasReclaimed, arenasHighwater, arenasCurrent,
                unusedPools, arenaAlignmentBytes, systemLiveBlocks, systemLiveBytes, systemAllocationsTotal,
                systemPeakBytes, spareArenas, requestedBytesPeak, heldBytesAtRequestedPeak, heldBytesPeak,
                requestedBytesAtHeldPeak, arenaUtilisationHistogram, requestedBytesTracked, arenaMapMidNodes,
                arenaMapBottomNodes, systemLiveBytes, 0);
    }

    /**
     * Bytes CPython's arena map would hold for these arenas ({@link Geometry.RadixTree}): its root, and
     * its mid and bottom nodes; 0 without one. (Not memory jpymalloc holds: its own map is smaller.)
     */
    public long arenaMapBytes() {
        return geometry.arenaMapRootBytes() * (1 + arenaMapMidNodes)
                + geometry.arenaMapBottomNodeBytes() * arenaMapBottomNodes;
    }

    /**
     * One size class's pools, as in a row of {@code sys._debugmallocstats()}.
     *
     * @param index the size class index
     * @param blockSize bytes per block
     * @param pools pools serving this class (used and full; CPython's "num pools")
     * @param fullPools pools with no free block
     * @param blocksInUse allocated blocks
     * @param availableBlocks free blocks in those pools, including blocks not carved yet
     * @param requestedBytes bytes requested by the live blocks (each block's segment size)
     */
    public record SizeClassStats(int index, long blockSize, long pools, long fullPools, long blocksInUse,
                                 long availableBlocks, long requestedBytes) {

        /** Without requested bytes (taken as whole blocks: no internal fragmentation). */
        public SizeClassStats(int index, long blockSize, long pools, long fullPools, long blocksInUse,
                              long availableBlocks) {
            this(index, blockSize, pools, fullPools, blocksInUse, availableBlocks, blocksInUse * blockSize);
        }

        /** Block bytes of the live blocks beyond what was requested: internal fragmentation. */
        public long internalFragmentationBytes() {
            return blocksInUse * blockSize - requestedBytes;
        }
    }

    public MallocStats {
        Objects.requireNonNull(geometry, "geometry");
        sizeClasses = List.copyOf(sizeClasses);
        arenaUtilisationHistogram = List.copyOf(arenaUtilisationHistogram);
    }

    /** Bytes requested by the live blocks: pool blocks (their segment sizes) and system-path blocks. */
    public long requestedBytes() {
        return sizeClasses.stream().mapToLong(SizeClassStats::requestedBytes).sum() + systemLiveBytes;
    }

    /**
     * Bytes the allocator holds: arenas mapped (spares included) and the system path's blocks (live, and
     * cached to serve again: {@link #systemHeldBytes}).
     */
    public long heldBytes() {
        return osMappedBytes() + systemHeldBytes;
    }

    /** Block bytes beyond the requested bytes, over all classes (internal fragmentation). */
    public long internalFragmentationBytes() {
        return sizeClasses.stream().mapToLong(SizeClassStats::internalFragmentationBytes).sum();
    }

    /**
     * Free bytes the allocator holds but cannot give to a request of another class (external
     * fragmentation, as Johnstone and Wilson count it): free blocks in pools in use, empty and uncarved
     * pools of the arenas held, spare arenas, and bytes lost to pool headers, quantization and alignment.
     */
    public long externalFragmentationBytes() {
        return heldBytes() - requestedBytes() - internalFragmentationBytes();
    }

    /** Requested bytes over held bytes, now (1.0: nothing wasted; NaN when nothing is held or not tracked). */
    public double utilisation() {
        return ratio(requestedBytes(), heldBytes());
    }

    /** Requested bytes over held bytes at the moment of the most requested bytes. */
    public double utilisationAtRequestedPeak() {
        return ratio(requestedBytesPeak, heldBytesAtRequestedPeak);
    }

    /**
     * Johnstone and Wilson's fragmentation #2 ("The Memory Fragmentation Problem: Solved?", ISMM 1998):
     * memory held relative to memory requested, at the point of maximum live (requested) memory:
     * {@code heldAtRequestedPeak / requestedPeak - 1}.
     */
    public double fragmentationAtPeakLive() {
        return ratio(heldBytesAtRequestedPeak, requestedBytesPeak) - 1;
    }

    /**
     * Johnstone and Wilson's fragmentation #3: memory held relative to memory requested at the point of
     * maximum memory held: {@code heldPeak / requestedAtHeldPeak - 1}.
     */
    public double fragmentationAtPeakHeld() {
        return ratio(heldBytesPeak, requestedBytesAtHeldPeak) - 1;
    }

    /**
     * Johnstone and Wilson's fragmentation #4: maximum memory held relative to maximum live memory:
     * {@code heldPeak / requestedPeak - 1}.
     */
    public double fragmentationPeakToPeak() {
        return ratio(heldBytesPeak, requestedBytesPeak) - 1;
    }

    /** NaN when requested bytes are not tracked or nothing was requested. */
    private double ratio(long numerator, long denominator) {
        return denominator == 0 || !requestedBytesTracked ? Double.NaN : (double) numerator / denominator;
    }

    /**
     * Bytes of the arenas pymalloc holds now ({@code arenasCurrent x arenaSize}), as CPython reports them:
     * retained spares not included ({@link #osMappedBytes()} has them).
     */
    public long arenaBytes() {
        return arenasCurrent * geometry.arenaSize();
    }

    /**
     * {@link #arenaBytes()} under its 0.1.0 name, kept for code compiled against it.
     *
     * @deprecated "mapped" means mapped from the OS everywhere else ({@link #osMappedBytes()} counts the
     *     spares too); use {@link #arenaBytes()}
     */
    @Deprecated
    public long mappedBytes() {
        return arenaBytes();
    }

    /** Bytes mapped from the OS for arenas now: the arenas held plus the spares. */
    public long osMappedBytes() {
        return (arenasCurrent + spareArenas) * geometry.arenaSize();
    }

    /** Pool blocks allocated now, over all classes. */
    public long blocksInUse() {
        return sizeClasses.stream().mapToLong(SizeClassStats::blocksInUse).sum();
    }

    /** Pools serving some class now. */
    public long poolsInUse() {
        return sizeClasses.stream().mapToLong(SizeClassStats::pools).sum();
    }

    /** Bytes in allocated blocks (block sizes, not requested sizes). */
    public long allocatedBytes() {
        return sizeClasses.stream().mapToLong(c -> c.blocksInUse() * c.blockSize()).sum();
    }

    /** Bytes in free blocks of pools in use. */
    public long availableBytes() {
        return sizeClasses.stream().mapToLong(c -> c.availableBlocks() * c.blockSize()).sum();
    }

    /** Bytes in unused pools. */
    public long unusedPoolBytes() {
        return unusedPools * geometry.poolSize();
    }

    /** Bytes taken by the headers of pools in use. */
    public long poolHeaderBytes() {
        return poolsInUse() * geometry.poolHeaderSize();
    }

    /** Bytes at the end of pools in use too small for another block. */
    public long quantizationBytes() {
        long usable = geometry.poolSize() - geometry.poolHeaderSize();
        return sizeClasses.stream().mapToLong(c -> c.pools() * (usable % c.blockSize())).sum();
    }

    /**
     * The pymalloc part of CPython's {@code sys._debugmallocstats()} for this snapshot, in exactly
     * CPython's text format (header, column widths, labels, thousands separators, blank lines), to put
     * side by side with {@code python3.9 -c "import sys; sys._debugmallocstats()"}.
     */
    public String toDebugMallocStats() {
        return DebugMallocStatsFormat.render(this);
    }

    /**
     * This snapshot as JSON, schema {@code jpymalloc.stats/1} (documented field by field in
     * {@code docs/statistics.md}): geometry, one object per size class, arena counters, the byte
     * accounting of the identity, and the system path.
     */
    public String toJson() {
        return MallocStatsJson.render(this);
    }

    /**
     * Checks CPython's accounting identity (every mapped byte is in exactly one category).
     *
     * @throws IllegalStateException naming both sides if it does not hold
     */
    public MallocStats checkIdentity() {
        long parts = allocatedBytes() + availableBytes() + unusedPoolBytes() + poolHeaderBytes()
                + quantizationBytes() + arenaAlignmentBytes;
        if (parts != arenaBytes()) {
            throw new IllegalStateException("byte accounting does not add up: parts " + parts + " != arena bytes "
                    + arenaBytes() + " in " + this);
        }
        return this;
    }
}
