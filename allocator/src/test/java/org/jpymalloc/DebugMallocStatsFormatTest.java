package org.jpymalloc;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Golden test of the text format: the pymalloc part of {@code sys._debugmallocstats()} (with the arena map
 * counts of 3.10 and later) captured from the real CPython 3.7, 3.9, 3.10, 3.11, 3.12 and 3.13 on this
 * machine, each a bare interpreter printing its own state (docs/statistics.md has the command). Its numbers
 * are read back into a {@link MallocStats}, which must render the very same bytes: the arena map's root,
 * mid and bottom node sizes come from the preset's {@link Geometry.RadixTree}, not from the file.
 */
class DebugMallocStatsFormatTest {

    private static final Pattern ROW = Pattern.compile("^\\s*(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)$");

    /**
     * CPython 3.7.16 (like the last 3.6 releases) already has 16-byte alignment and 32 classes: the
     * bpo-27987 fix was backported in 2019, so {@link Geometry#CPYTHON_3_7} (8 bytes, 64 classes) is the
     * geometry of 3.0 to 3.7.3, which this machine cannot run; 3.7.16's text is the 3.9 geometry's.
     */
    @ParameterizedTest
    @CsvSource({"3.7.16, CPYTHON_3_9", "3.9.18, CPYTHON_3_9", "3.10.13, CPYTHON_3_10", "3.11.7, CPYTHON_3_11",
            "3.12.1, CPYTHON_3_12", "3.13.0, CPYTHON_3_13"})
    void rendersCPythonsTextByteForByte(String version, String preset) throws IOException {
        String golden = read("/golden/debugmallocstats-" + version + ".txt");
        Geometry g = (Geometry) getPreset(preset);
        long[] pools = new long[g.sizeClassCount()];
        long[] used = new long[g.sizeClassCount()];
        long[] avail = new long[g.sizeClassCount()];
        for (String line : golden.split("\n")) {
            Matcher m = ROW.matcher(line);
            if (m.matches()) {
                int c = Integer.parseInt(m.group(1));
                pools[c] = Long.parseLong(m.group(3));
                used[c] = Long.parseLong(m.group(4));
                avail[c] = Long.parseLong(m.group(5));
            }
        }
        List<MallocStats.SizeClassStats> classes = new ArrayList<>();
        for (int c = 0; c < pools.length; c++) {
            classes.add(new MallocStats.SizeClassStats(c, g.blockSize(c), pools[c], 0, used[c], avail[c]));
        }
        long total = value(golden, "# arenas allocated total");
        long current = value(golden, "# arenas allocated current");
        long unused = Long.parseLong(golden.replaceAll("(?s).*\n(\\d+) unused pools.*", "$1"));
        MallocStats stats = new MallocStats(g, classes, total, value(golden, "# arenas reclaimed"),
                value(golden, "# arenas highwater mark"), current, unused,
                value(golden, "# bytes lost to arena alignment"), 0, 0, 0, 0, 0, 0, 0, 0, 0, List.of(), false,
                optional(golden, "# arena map mid nodes"), optional(golden, "# arena map bot nodes"));
        assertEquals(golden, stats.toDebugMallocStats());
        stats.checkIdentity();
    }

    private static Object getPreset(String name) {
        try {
            return Geometry.class.getField(name).get(null);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private static long optional(String text, String label) {
        return text.contains(label) ? value(text, label) : 0;
    }

    private static long value(String text, String label) {
        Matcher m = Pattern.compile(Pattern.quote(label) + "\\s*=\\s*([\\d,]+)").matcher(text);
        if (!m.find()) {
            throw new AssertionError("no " + label);
        }
        return Long.parseLong(m.group(1).replace(",", ""));
    }

    static String read(String resource) throws IOException {
        try (InputStream in = DebugMallocStatsFormatTest.class.getResourceAsStream(resource)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
