package org.jpymalloc;

/**
 * Renders a {@link MallocStats} as JSON in the schema {@code jpymalloc.stats/1}, specified field by
 * field in {@code docs/statistics.md}. Objects keep a fixed key order; every number is an integer count
 * of blocks, pools, arenas or bytes (ratios such as utilisation are left to the reader: every input is
 * here). New fields may be added within a schema version; none is removed
 * or changes meaning without a new version.
 */
final class MallocStatsJson {

    static final String SCHEMA = "jpymalloc.stats/1";

    private final StringBuilder out = new StringBuilder(4096);
    private boolean first = true;

    private MallocStatsJson() {
    }

    static String render(MallocStats stats) {
        MallocStatsJson json = new MallocStatsJson();
        json.write(stats);
        return json.out.toString();
    }

    private void write(MallocStats s) {
        Geometry g = s.geometry();
        open('{');
        field("schema").append('"').append(SCHEMA).append('"');
        field("geometry");
        open('{');
        number("arenaSize", g.arenaSize());
        number("poolSize", g.poolSize());
        number("alignment", g.alignment());
        number("smallRequestThreshold", g.smallRequestThreshold());
        number("poolHeaderSize", g.poolHeaderSize());
        number("sizeClassCount", g.sizeClassCount());
        field("radixTree").append('"').append(g.radixTree()).append('"');
        close('}');
        field("sizeClasses");
        open('[');
        for (MallocStats.SizeClassStats c : s.sizeClasses()) {
            element();
            open('{');
            number("index", c.index());
            number("blockSize", c.blockSize());
            number("pools", c.pools());
            number("fullPools", c.fullPools());
            number("blocksInUse", c.blocksInUse());
            number("availableBlocks", c.availableBlocks());
            number("requestedBytes", c.requestedBytes());
            close('}');
        }
        close(']');
        field("arenas");
        open('{');
        number("allocatedTotal", s.arenasAllocatedTotal());
        number("reclaimed", s.arenasReclaimed());
        number("highwater", s.arenasHighwater());
        number("current", s.arenasCurrent());
        number("spare", s.spareArenas());
        number("arenaMapMidNodes", s.arenaMapMidNodes());
        number("arenaMapBottomNodes", s.arenaMapBottomNodes());
        close('}');
        number("unusedPools", s.unusedPools());
        field("bytes");
        open('{');
        number("mapped", s.arenaBytes()); // the schema's name (jpymalloc.stats/1)
        number("osMapped", s.osMappedBytes());
        number("allocated", s.allocatedBytes());
        number("available", s.availableBytes());
        number("unusedPools", s.unusedPoolBytes());
        number("poolHeaders", s.poolHeaderBytes());
        number("quantization", s.quantizationBytes());
        number("arenaAlignment", s.arenaAlignmentBytes());
        close('}');
        field("system");
        open('{');
        number("liveBlocks", s.systemLiveBlocks());
        number("liveBytes", s.systemLiveBytes());
        number("allocationsTotal", s.systemAllocationsTotal());
        number("peakBytes", s.systemPeakBytes());
        number("heldBytes", s.systemHeldBytes());
        number("cachedBlocks", s.systemCachedBlocks());
        close('}');
        field("usage");
        open('{');
        field("requestedBytesTracked").append(s.requestedBytesTracked());
        number("requestedBytes", s.requestedBytes());
        number("heldBytes", s.heldBytes());
        number("internalFragmentationBytes", s.internalFragmentationBytes());
        number("externalFragmentationBytes", s.externalFragmentationBytes());
        number("requestedBytesPeak", s.requestedBytesPeak());
        number("heldBytesAtRequestedPeak", s.heldBytesAtRequestedPeak());
        number("heldBytesPeak", s.heldBytesPeak());
        number("requestedBytesAtHeldPeak", s.requestedBytesAtHeldPeak());
        close('}');
        field("arenaUtilisationHistogram");
        open('[');
        for (int count : s.arenaUtilisationHistogram()) {
            element();
            out.append(count);
        }
        close(']');
        close('}');
        out.append('\n');
    }

    private void open(char bracket) {
        out.append(bracket);
        first = true;
    }

    private void close(char bracket) {
        out.append(bracket);
        first = false;
    }

    private void element() {
        if (!first) {
            out.append(',');
        }
        first = false;
    }

    private StringBuilder field(String name) {
        element();
        return out.append('"').append(name).append("\":");
    }

    private void number(String name, long value) {
        field(name).append(value);
    }
}
