package org.jpymalloc.bench;

import org.jpymalloc.Geometry;
import org.jpymalloc.bench.cli.GeometryNames;
import org.jpymalloc.MallocStats;
import org.jpymalloc.PyMalloc;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The demo workload (the README's main job until trace replay lands): a seeded, mixed workload shaped
 * like a Python program's object churn, driven through one confined allocator, with the allocator's
 * statistics printed after a growth phase and after most objects die.
 *
 * <p>Sizes: mostly 16 to 128 bytes (small objects), a tail to 512, a few system-path requests (0 bytes
 * and up to 64 KiB). Operations: allocate, free a random live block, or reallocate one (a growing
 * list). Every block carries a cookie that is checked when it is freed, so the demo is also a smoke test.
 */
public final class Demo {

    private static final long SEED = 2026;
    private static final int OPERATIONS = 400_000;

    private final PyMalloc allocator;
    private final SplittableRandom random = new SplittableRandom(SEED);
    private final List<MemorySegment> live = new ArrayList<>();
    private long requestedBytes;

    private Demo(PyMalloc allocator) {
        this.allocator = allocator;
    }

    public static void main(String[] args) {
        Geometry geometry = args.length > 0 ? GeometryNames.parse(args[0]) : Geometry.CPYTHON_3_9;
        try (PyMalloc allocator = PyMalloc.ofConfined(geometry)) {
            Demo demo = new Demo(allocator);
            System.out.printf(Locale.ROOT, "jpymalloc demo: %,d seeded operations; geometry: %,d-byte arenas,"
                    + " %,d-byte pools, %d size classes of %d bytes%n%n", OPERATIONS, geometry.arenaSize(),
                    geometry.poolSize(), geometry.sizeClassCount(), geometry.alignment());
            demo.grow();
            demo.report("after the growth phase");
            demo.dieOff(0.9);
            demo.report("after 90% of the blocks were freed");
            demo.dieOff(1.0);
            demo.report("after every block was freed (CPython 3.9 keeps one arena; spares stay mapped)");
        }
    }

    private void grow() {
        for (int i = 0; i < OPERATIONS; i++) {
            int dice = random.nextInt(100);
            if (dice < 65 || live.isEmpty()) {
                live.add(fill(allocator.allocate(nextSize())));
            } else if (dice < 92) {
                free(random.nextInt(live.size()));
            } else {
                reallocate(random.nextInt(live.size()));
            }
        }
    }

    private void dieOff(double fraction) {
        int target = (int) (live.size() * (1 - fraction));
        while (live.size() > target) {
            free(random.nextInt(live.size()));
        }
    }

    private long nextSize() {
        int dice = random.nextInt(1000);
        if (dice < 450) {
            return 16 + random.nextInt(49);          // 16..64: small objects, most of them
        } else if (dice < 700) {
            return 65 + random.nextInt(64);          // 65..128
        } else if (dice < 850) {
            return 129 + random.nextInt(128);        // 129..256
        } else if (dice < 970) {
            return 257 + random.nextInt(256);        // 257..512
        } else if (dice < 975) {
            return 0;                                // malloc(1), as CPython does
        } else if (dice < 995) {
            return 513 + random.nextInt(3584);       // system path
        }
        return 4097 + random.nextInt(61440);         // large buffers
    }

    private MemorySegment fill(MemorySegment s) {
        requestedBytes += s.byteSize();
        if (s.byteSize() >= Long.BYTES) {
            s.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, cookie(s));
        }
        return s;
    }

    private void free(int index) {
        MemorySegment s = removeAt(index);
        check(s);
        requestedBytes -= s.byteSize();
        allocator.free(s);
    }

    private void reallocate(int index) {
        MemorySegment s = removeAt(index);
        check(s);
        requestedBytes -= s.byteSize();
        long grown = s.byteSize() + s.byteSize() / 8 + 6;    // CPython's list over-allocation
        live.add(fill(allocator.reallocate(s, grown)));
    }

    private MemorySegment removeAt(int index) {
        MemorySegment last = live.removeLast();
        return index < live.size() ? live.set(index, last) : last;
    }

    private static long cookie(MemorySegment s) {
        return s.address() ^ 0x5DEECE66DL;
    }

    private static void check(MemorySegment s) {
        if (s.byteSize() >= Long.BYTES && s.get(ValueLayout.JAVA_LONG_UNALIGNED, 0) != cookie(s)) {
            throw new IllegalStateException("block at 0x" + Long.toHexString(s.address()) + " lost its cookie");
        }
    }

    private void report(String title) {
        MallocStats stats = allocator.stats().checkIdentity();
        System.out.println("=== " + title + " ===");
        System.out.printf(Locale.ROOT, "live blocks: %,d (%,d in pools, %,d on the system path of %,d bytes)%n",
                live.size(), stats.blocksInUse(), stats.systemLiveBlocks(), stats.systemLiveBytes());
        long pooledRequested = requestedBytes - stats.systemLiveBytes();
        System.out.printf(Locale.ROOT, "pool bytes requested: %,d of %,d in arenas (%.1f%% utilisation)%n",
                pooledRequested, stats.arenaBytes(),
                stats.arenaBytes() == 0 ? 0.0 : 100.0 * pooledRequested / stats.arenaBytes());
        System.out.printf(Locale.ROOT, "arenas: %,d held, %,d spare (released, kept mapped for reuse); %,d bytes"
                + " mapped from the OS%n%n", stats.arenasCurrent(), stats.spareArenas(), stats.osMappedBytes());
        System.out.println(stats.toDebugMallocStats());
    }
}
