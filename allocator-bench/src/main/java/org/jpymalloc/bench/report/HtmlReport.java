package org.jpymalloc.bench.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.jpymalloc.bench.replay.ReplayResult;

/** Writes a report directory: the charts, the occupancy maps and an {@code index.html} that gathers them. */
public final class HtmlReport {

    private HtmlReport() {
    }

    /**
     * @param table the comparison table as text (shown as is)
     * @return the files written, {@code index.html} first
     */
    public static List<Path> write(Path dir, List<ReplayResult> results, String table) {
        if (results.isEmpty()) {
            throw new IllegalArgumentException("no results to report (every allocator was skipped)");
        }
        prepare(dir);
        List<Path> images = new ArrayList<>();
        StringBuilder body = new StringBuilder();
        images.add(dir.resolve("mapped-vs-live.png"));
        Charts.mappedVersusLive(results, images.getLast());
        images.add(dir.resolve("utilisation.png"));
        Charts.utilisation(results, images.getLast());
        images.add(dir.resolve("fragmentation.png"));
        Charts.fragmentation(results, images.getLast());
        body.append(figure("mapped-vs-live.png", "Mapped bytes of each allocator and live requested bytes"));
        body.append(figure("utilisation.png", "Utilisation over the trace"));
        body.append(figure("fragmentation.png", "Fragmentation over the trace, and its time average "
                + "(Johnstone and Wilson's measure #1)"));
        for (ReplayResult r : results) {
            if (r.occupancyAtEnd() == null) {
                continue;
            }
            String name = fileName(r.allocator());
            body.append("<h2>").append(escape(r.allocator())).append("</h2>\n");
            Path pools = dir.resolve("pools-" + name + ".png");
            Charts.poolsPerClass(r, r.series().blockSizes(), pools);
            images.add(pools);
            body.append(figure(pools.getFileName().toString(), "Pools per size class"));
            Path poolsOverTime = dir.resolve("pools-over-time-" + name + ".png");
            Charts.poolsPerClassOverTime(r, poolsOverTime);
            images.add(poolsOverTime);
            body.append(figure(poolsOverTime.getFileName().toString(), "Pools per size class over the trace"));
            Path end = dir.resolve("occupancy-" + name + "-end.png");
            OccupancyMap.write(r.occupancyAtEnd(), r.allocator() + " at the end", end);
            images.add(end);
            body.append(figure(end.getFileName().toString(), "Occupancy map at the end"));
            if (r.occupancyAtPeak() != null) {
                Path peak = dir.resolve("occupancy-" + name + "-peak.png");
                OccupancyMap.write(r.occupancyAtPeak(), r.allocator() + " at the peak", peak);
                images.add(peak);
                body.append(figure(peak.getFileName().toString(), "Occupancy map at the peak of mapped bytes"));
            }
            body.append("<h3>sys._debugmallocstats() at the end</h3>\n<pre>")
                    .append(escape(r.debugMallocStats())).append("</pre>\n");
        }
        return page(dir, "Allocator comparison on " + results.getFirst().trace(), table, body, images);
    }

    /** Writes {@code index.html} with {@code heading}, the table and the body; answers it, then {@code images}. */
    static List<Path> page(Path dir, String heading, String table, CharSequence body, List<Path> images) {
        Path index = dir.resolve("index.html");
        String html = String.format(Locale.ROOT, """
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8"><title>jpymalloc: %s</title>
                <style>body{font-family:sans-serif;max-width:1250px;margin:2em auto}pre{background:#f6f6f6;
                padding:1em;overflow-x:auto}figure{margin:1.5em 0}img{max-width:100%%;border:1px solid #ddd}</style>
                </head><body>
                <h1>%s</h1>
                <pre>%s</pre>
                %s</body></html>
                """, escape(heading), escape(heading), escape(table), body);
        try {
            Files.writeString(index, html);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + index, e);
        }
        List<Path> written = new ArrayList<>();
        written.add(index);
        written.addAll(images);
        return written;
    }

    /** Makes {@code dir} for a report, headless. */
    static void prepare(Path dir) {
        System.setProperty("java.awt.headless", "true");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }

    static String figure(String image, String caption) {
        return "<figure><img src=\"" + image + "\" alt=\"" + escape(caption) + "\"><figcaption>" + escape(caption)
                + "</figcaption></figure>\n";
    }

    static String fileName(String label) {
        return label.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.]+", "-").replaceAll("^-|-$", "");
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
