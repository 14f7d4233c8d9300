package org.jpymalloc;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link MallocStats#toJson()} parses back to the very numbers of the snapshot (schema jpymalloc.stats/1). */
class MallocStatsJsonTest {

    @Test
    void parsesBackToTheSnapshot() {
        try (PyMalloc heap = PyMalloc.ofConfined()) {
            List<MemorySegment> blocks = new ArrayList<>();
            for (int i = 0; i < 3000; i++) {
                blocks.add(heap.allocate(1 + i % 700));
            }
            for (int i = 0; i < blocks.size(); i += 3) {
                heap.free(blocks.get(i));
            }
            MallocStats stats = heap.stats();
            Map<String, Object> json = Json.object(Json.parse(stats.toJson()));

            assertEquals("jpymalloc.stats/1", json.get("schema"));
            Map<String, Object> geometry = Json.object(json.get("geometry"));
            assertEquals(stats.geometry().arenaSize(), geometry.get("arenaSize"));
            assertEquals((long) stats.geometry().sizeClassCount(), geometry.get("sizeClassCount"));
            List<Object> classes = Json.array(json.get("sizeClasses"));
            assertEquals(stats.sizeClasses().size(), classes.size());
            for (MallocStats.SizeClassStats c : stats.sizeClasses()) {
                Map<String, Object> row = Json.object(classes.get(c.index()));
                assertEquals((long) c.index(), row.get("index"));
                assertEquals(c.blockSize(), row.get("blockSize"));
                assertEquals(c.pools(), row.get("pools"));
                assertEquals(c.fullPools(), row.get("fullPools"));
                assertEquals(c.blocksInUse(), row.get("blocksInUse"));
                assertEquals(c.availableBlocks(), row.get("availableBlocks"));
            }
            Map<String, Object> arenas = Json.object(json.get("arenas"));
            assertEquals(stats.arenasAllocatedTotal(), arenas.get("allocatedTotal"));
            assertEquals(stats.arenasCurrent(), arenas.get("current"));
            assertEquals(stats.arenasHighwater(), arenas.get("highwater"));
            Map<String, Object> bytes = Json.object(json.get("bytes"));
            long parts = 0;
            for (String part : new String[] {"allocated", "available", "unusedPools", "poolHeaders", "quantization",
                    "arenaAlignment"}) {
                parts += (Long) bytes.get(part);
            }
            assertEquals(bytes.get("mapped"), parts, "the identity holds in the JSON too");
            Map<String, Object> system = Json.object(json.get("system"));
            assertEquals(stats.systemLiveBlocks(), system.get("liveBlocks"));
            assertEquals(stats.systemLiveBytes(), system.get("liveBytes"));
            assertEquals(stats.systemHeldBytes(), system.get("heldBytes"));
            assertEquals(stats.systemCachedBlocks(), system.get("cachedBlocks"));
        }
    }

    /** A shared allocator's cached system blocks and rounded capacities appear in the JSON as in the record. */
    @Test
    void theSharedSystemPathsHeldBytesAndCacheParseBack() {
        try (PyMalloc shared = PyMalloc.ofShared()) {
            MemorySegment live = shared.allocate(1000);
            shared.free(shared.allocate(3000));
            MallocStats stats = shared.stats();
            Map<String, Object> system = Json.object(Json.object(Json.parse(stats.toJson())).get("system"));
            assertEquals(1024L + 3072L, system.get("heldBytes"));
            assertEquals(1L, system.get("cachedBlocks"));
            assertEquals(1000L, system.get("liveBytes"));
            shared.free(live);
        }
    }

    @Test
    void theTestReaderRejectsMalformedJson() {
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\":1,}"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\":1} x"));
    }
}
