package org.jpymalloc;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Every odd shape {@link Geometry} accepts, with every option, in both modes: each allocator serves every
 * size class's edges, the system path and over-aligned requests, keeps blocks aligned to the geometry's
 * alignment, reallocates in place and by moving with the contents kept, frees everything, and its
 * statistics and invariants hold. Run in a child JVM by {@link MisuseInChildJvmTest} (and in-process by
 * {@code GeometryTest} for the smallest shapes).
 */
final class GeometryGrid {

    /** Accepted shapes at the edges of each limit, and the presets. */
    static final List<Geometry> GEOMETRIES = List.of(
            Geometry.CPYTHON_3_7, Geometry.CPYTHON_3_9, Geometry.CPYTHON_3_10,
            new Geometry(4096, 2048, 8, 8),                          // smallest arena, one class
            new Geometry(4096, 2048, 8, 992),                        // smallest arena, 124 classes, 2 blocks a pool
            new Geometry(256 << 10, 4 << 10, 8, 1024),               // the most classes (128), the largest threshold
            new Geometry(256 << 10, 8 << 10, 256, 1024),             // the largest alignment: a 256-byte header
            new Geometry(1 << 20, 1 << 19, 32, 128),                 // two pools, one lost to alignment
            new Geometry(64 << 10, 8 << 10, 32, 1024),
            new Geometry(Geometry.MAX_ARENA_SIZE, 16 << 10, 16, 512)); // the largest arena, the most pools

    /** Option sets: each option alone, then all together. */
    static final Map<String, UnaryOperator<PyMalloc.Builder>> OPTIONS = new LinkedHashMap<>();

    static {
        OPTIONS.put("plain", b -> b);
        OPTIONS.put("spares=0", b -> b.spareArenas(0));
        OPTIONS.put("debugHooks", b -> b.debugHooks(true));
        OPTIONS.put("trackRequestedBytes", b -> b.trackRequestedBytes(true));
        OPTIONS.put("tracing", b -> b.tracing(4));
        OPTIONS.put("maxBytes", b -> b.maxBytes(4L << 30));
        OPTIONS.put("leakDetection=ALL", b -> b.leakDetection(LeakDetection.Level.ALL));
        OPTIONS.put("all", b -> b.spareArenas(0).debugHooks(true).trackRequestedBytes(true).tracing(4)
                .maxBytes(4L << 30).leakDetection(LeakDetection.Level.ALL));
    }

    private GeometryGrid() {
    }

    static void run() {
        for (Geometry geometry : GEOMETRIES) {
            for (boolean shared : new boolean[] {false, true}) {
                for (Map.Entry<String, UnaryOperator<PyMalloc.Builder>> option : OPTIONS.entrySet()) {
                    System.out.println(geometry + (shared ? " shared " : " confined ") + option.getKey());
                    exercise(geometry, option.getValue().apply(PyMalloc.builder().geometry(geometry).shared(shared))
                            .atClose(LeakDetection.AtClose.THROW).build());
                }
            }
        }
    }

    /** Allocates, checks, reallocates and frees a spread of sizes; closes with nothing live. */
    static void exercise(Geometry g, PyMalloc allocator) {
        List<MemorySegment> blocks = new ArrayList<>();
        for (long size : sizes(g)) {
            blocks.add(checked(g, allocator.allocate(size), size, g.alignment()));
            blocks.add(checked(g, allocator.allocate(size, 2 * g.alignment()), size, 2 * g.alignment()));
            MemorySegment zeroed = allocator.allocateZeroed(size);
            for (long i = 0; i < size; i++) {
                MisuseCases.expect(zeroed.get(ValueLayout.JAVA_BYTE, i) == 0, "allocateZeroed(" + size + ")");
            }
            blocks.add(checked(g, zeroed, size, g.alignment()));
        }
        for (int i = 0; i < blocks.size(); i += 2) { // half move or stay, to a size of another block
            MemorySegment old = blocks.get(i);
            long newSize = blocks.get((i * 7 + 3) % blocks.size()).byteSize();
            MemorySegment moved = allocator.reallocate(old, newSize);
            long kept = Math.min(old.byteSize(), newSize);
            for (long b = 0; b < kept; b++) {
                MisuseCases.expect(moved.get(ValueLayout.JAVA_BYTE, b) == pattern(old.address(), b),
                        "reallocate " + old.byteSize() + " -> " + newSize + " kept byte " + b);
            }
            blocks.set(i, checked(g, moved, newSize, g.alignment()));
        }
        Handle handle = allocator.allocateHandle(g.smallRequestThreshold());
        handle.retain().release();
        handle.release();
        try {
            allocator.checkGuards();
        } catch (IllegalStateException noHooks) {
            MisuseCases.expect(noHooks.getMessage().startsWith("debug hooks are off"), noHooks.getMessage());
        }
        MallocStats stats = allocator.stats().checkIdentity();
        MisuseCases.expect(stats.toDebugMallocStats().contains("Small block threshold = " + g.smallRequestThreshold()),
                stats.toDebugMallocStats());
        MisuseCases.expect(allocator.occupancy().geometry().equals(g), "occupancy of the allocator's geometry");
        for (MemorySegment s : blocks) {
            verify(s);
            allocator.free(s);
        }
        allocator.stats().checkIdentity();
        allocator.close(); // atClose(THROW): a block still live (beyond the debug quarantine) fails here
    }

    /** Each class's smallest and largest request, 0, the threshold + 1 and a large one. */
    static List<Long> sizes(Geometry g) {
        List<Long> sizes = new ArrayList<>(List.of(0L, g.smallRequestThreshold() + 1, 20_000L));
        for (int c = 0; c < g.sizeClassCount(); c += Math.max(1, g.sizeClassCount() / 16)) {
            sizes.add(g.blockSize(c));
            sizes.add(g.blockSize(c) - g.alignment() + 1);
        }
        sizes.add(g.smallRequestThreshold());
        return sizes;
    }

    private static MemorySegment checked(Geometry g, MemorySegment s, long size, long alignment) {
        MisuseCases.expect(s.byteSize() == size, "size " + size + " got " + s.byteSize());
        MisuseCases.expect(s.address() % Math.min(alignment, Math.max(g.alignment(), alignment)) == 0,
                "block of " + size + " at 0x" + Long.toHexString(s.address()) + " not aligned to " + alignment);
        for (long b = 0; b < size; b++) {
            s.set(ValueLayout.JAVA_BYTE, b, pattern(s.address(), b));
        }
        return s;
    }

    private static void verify(MemorySegment s) {
        for (long b = 0; b < s.byteSize(); b++) {
            MisuseCases.expect(s.get(ValueLayout.JAVA_BYTE, b) == pattern(s.address(), b),
                    "block at 0x" + Long.toHexString(s.address()) + " lost byte " + b);
        }
    }

    private static byte pattern(long address, long index) {
        return (byte) (address * 31 + index * 7);
    }
}
