package org.jpymalloc;

import java.util.Locale;

/**
 * Renders a {@link MallocStats} as the pymalloc part of CPython's {@code sys._debugmallocstats()}, byte
 * for byte: obmalloc's {@code _PyObject_DebugMallocStats} prints the class table with
 * {@code "%5u %6u %11zu %15zu %13zu"} and each total with {@code printone}, which pads the label to 35
 * columns, writes {@code '='} and the value right-aligned in 21 columns with thousands separators.
 * CPython 3.10+ goes on with the "arena map counts" of its radix tree ({@link Geometry.RadixTree}), as
 * CPython's tree would be for the same arenas, printed for a geometry that has one.
 */
final class DebugMallocStatsFormat {

    private static final int LABEL_WIDTH = 35;
    private static final int VALUE_WIDTH = 21;

    private DebugMallocStatsFormat() {
    }

    static String render(MallocStats stats) {
        Geometry g = stats.geometry();
        StringBuilder out = new StringBuilder(4096);
        out.append("Small block threshold = ").append(g.smallRequestThreshold()).append(", in ")
                .append(g.sizeClassCount()).append(" size classes.\n");
        out.append("\nclass   size   num pools   blocks in use  avail blocks\n")
                .append("-----   ----   ---------   -------------  ------------\n");
        for (MallocStats.SizeClassStats c : stats.sizeClasses()) {
            if (c.pools() > 0) {
                out.append(String.format(Locale.ROOT, "%5d %6d %11d %15d %13d\n", c.index(), c.blockSize(), c.pools(),
                        c.blocksInUse(), c.availableBlocks()));
            }
        }
        out.append('\n');
        printOne(out, "# arenas allocated total", stats.arenasAllocatedTotal());
        printOne(out, "# arenas reclaimed", stats.arenasReclaimed());
        printOne(out, "# arenas highwater mark", stats.arenasHighwater());
        printOne(out, "# arenas allocated current", stats.arenasCurrent());
        printOne(out, stats.arenasCurrent() + " arenas * " + g.arenaSize() + " bytes/arena", stats.mappedBytes());
        out.append('\n');
        long total = printOne(out, "# bytes in allocated blocks", stats.allocatedBytes());
        total += printOne(out, "# bytes in available blocks", stats.availableBytes());
        total += printOne(out, stats.unusedPools() + " unused pools * " + g.poolSize() + " bytes",
                stats.unusedPoolBytes());
        total += printOne(out, "# bytes lost to pool headers", stats.poolHeaderBytes());
        total += printOne(out, "# bytes lost to quantization", stats.quantizationBytes());
        total += printOne(out, "# bytes lost to arena alignment", stats.arenaAlignmentBytes());
        printOne(out, "Total", total);
        if (g.radixTree() != Geometry.RadixTree.NONE) {
            arenaMapCounts(out, stats, g);
        }
        return out.toString();
    }

    /** obmalloc's {@code WITH_PYMALLOC_RADIX_TREE} part, with {@code USE_INTERIOR_NODES} (64-bit). */
    private static void arenaMapCounts(StringBuilder out, MallocStats stats, Geometry g) {
        out.append("\narena map counts\n");
        printOne(out, "# arena map mid nodes", stats.arenaMapMidNodes());
        printOne(out, "# arena map bot nodes", stats.arenaMapBottomNodes());
        out.append('\n');
        long total = printOne(out, "# bytes lost to arena map root", g.arenaMapRootBytes());
        total += printOne(out, "# bytes lost to arena map mid", g.arenaMapRootBytes() * stats.arenaMapMidNodes());
        total += printOne(out, "# bytes lost to arena map bot", g.arenaMapBottomNodeBytes() * stats.arenaMapBottomNodes());
        printOne(out, "Total", total);
    }

    /** obmalloc's {@code printone}. */
    private static long printOne(StringBuilder out, String label, long value) {
        out.append(label);
        out.append(" ".repeat(Math.max(0, LABEL_WIDTH - label.length())));
        out.append('=');
        String digits = String.format(Locale.ROOT, "%,d", value);
        out.append(" ".repeat(Math.max(0, VALUE_WIDTH - digits.length()))).append(digits).append('\n');
        return value;
    }
}
