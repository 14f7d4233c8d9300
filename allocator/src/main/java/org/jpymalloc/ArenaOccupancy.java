package org.jpymalloc;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Where the live blocks are: every arena pymalloc holds, and for each of its pools the size class it
 * serves and how many blocks are live in it. The picture behind an occupancy map (a cell per pool) and
 * behind arena-occupancy histograms; {@link MallocStats} has the totals.
 *
 * <p>A snapshot taken like {@link PyMalloc#stats()}, by a walk over every carved pool (O(pools)).
 *
 * @param geometry the allocator's geometry
 * @param arenas the arenas held now (spare arenas are not held), in no particular order
 */
public record ArenaOccupancy(Geometry geometry, List<ArenaPools> arenas) {

    /** The size class of a pool that serves none: empty, or not carved yet. */
    public static final int UNUSED_POOL = -1;

    public ArenaOccupancy {
        Objects.requireNonNull(geometry, "geometry");
        arenas = List.copyOf(arenas);
    }

    /**
     * One arena's pools, in address order.
     *
     * @param baseAddress the address of the arena's first usable pool
     * @param sizeClasses each pool's size class, or {@link #UNUSED_POOL}
     * @param liveBlocks each pool's live blocks (0 for unused pools)
     */
    public record ArenaPools(long baseAddress, int[] sizeClasses, int[] liveBlocks) {

        public ArenaPools {
            if (sizeClasses.length != liveBlocks.length) {
                throw new IllegalArgumentException("sizeClasses has " + sizeClasses.length + " pools but liveBlocks "
                        + liveBlocks.length);
            }
            sizeClasses = sizeClasses.clone();
            liveBlocks = liveBlocks.clone();
        }

        public int poolCount() {
            return sizeClasses.length;
        }

        public int sizeClass(int pool) {
            return sizeClasses[pool];
        }

        public int liveBlocks(int pool) {
            return liveBlocks[pool];
        }

        @Override
        public int[] sizeClasses() {
            return sizeClasses.clone();
        }

        @Override
        public int[] liveBlocks() {
            return liveBlocks.clone();
        }

        /** Pools serving some class. */
        public int poolsInUse() {
            return (int) Arrays.stream(sizeClasses).filter(c -> c != UNUSED_POOL).count();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof ArenaPools that && baseAddress == that.baseAddress
                    && Arrays.equals(sizeClasses, that.sizeClasses) && Arrays.equals(liveBlocks, that.liveBlocks);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(baseAddress) * 31 + Arrays.hashCode(sizeClasses) * 17 + Arrays.hashCode(liveBlocks);
        }

        @Override
        public String toString() {
            return "ArenaPools[base=0x" + Long.toHexString(baseAddress) + ", pools=" + poolCount() + ", inUse="
                    + poolsInUse() + "]";
        }
    }

    /**
     * How full pool {@code pool} of {@code arena} is: live blocks over the blocks its class fits in a pool
     * (0 for an unused pool).
     */
    public double fullness(ArenaPools arena, int pool) {
        int sizeClass = arena.sizeClass(pool);
        return sizeClass == UNUSED_POOL ? 0.0 : (double) arena.liveBlocks(pool) / geometry.blocksPerPool(sizeClass);
    }

    /** An arena's live block bytes over its pool bytes: the measure of an arena held by a few blocks. */
    public double arenaUtilisation(ArenaPools arena) {
        long live = 0;
        for (int pool = 0; pool < arena.poolCount(); pool++) {
            int sizeClass = arena.sizeClass(pool);
            if (sizeClass != UNUSED_POOL) {
                live += arena.liveBlocks(pool) * geometry.blockSize(sizeClass);
            }
        }
        return (double) live / (arena.poolCount() * geometry.poolSize());
    }
}
