package org.jpymalloc.bench.replay;

import java.io.Serializable;

import org.jpymalloc.ArenaOccupancy;

/**
 * A jpymalloc occupancy snapshot reduced to what a map needs: for each arena (row, by address) and pool
 * (column), the pool's size class ({@link ArenaOccupancy#UNUSED_POOL} when unused) and fullness in [0, 1].
 *
 * @param event events replayed when it was taken
 */
public record OccupancyGrid(long event, int[][] sizeClasses, float[][] fullness) implements Serializable {

    static OccupancyGrid of(ArenaOccupancy occupancy, long event) {
        var arenas = occupancy.arenas().stream()
                .sorted(java.util.Comparator.comparingLong(ArenaOccupancy.ArenaPools::baseAddress)).toList();
        int[][] classes = new int[arenas.size()][];
        float[][] fullness = new float[arenas.size()][];
        for (int a = 0; a < arenas.size(); a++) {
            ArenaOccupancy.ArenaPools arena = arenas.get(a);
            classes[a] = arena.sizeClasses();
            fullness[a] = new float[arena.poolCount()];
            for (int p = 0; p < arena.poolCount(); p++) {
                fullness[a][p] = (float) occupancy.fullness(arena, p);
            }
        }
        return new OccupancyGrid(event, classes, fullness);
    }

    public int arenaCount() {
        return sizeClasses.length;
    }

    /** The most pools any arena has (columns of the map). */
    public int maxPools() {
        int max = 0;
        for (int[] arena : sizeClasses) {
            max = Math.max(max, arena.length);
        }
        return max;
    }
}
