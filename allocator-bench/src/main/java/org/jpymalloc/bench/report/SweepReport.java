package org.jpymalloc.bench.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.jpymalloc.bench.replay.ReplayResult;
import org.jpymalloc.bench.replay.SweepPoint;

/** Writes a sweep's report directory: time against memory with the Pareto front, the series, an index page. */
public final class SweepReport {

    private SweepReport() {
    }

    /**
     * @param table the sweep's table as text (shown as is)
     * @return the files written, {@code index.html} first
     * @throws IllegalArgumentException if there are no points
     */
    public static List<Path> write(Path dir, List<SweepPoint> points, String table) {
        if (points.isEmpty()) {
            throw new IllegalArgumentException("no sweep results to report");
        }
        HtmlReport.prepare(dir);
        List<ReplayResult> results = points.stream().map(SweepPoint::result).toList();
        List<Path> images = new ArrayList<>();
        StringBuilder body = new StringBuilder();
        images.add(dir.resolve("pareto.png"));
        Charts.timeAgainstMemory(points, images.getLast());
        body.append(HtmlReport.figure("pareto.png", "Peak mapped bytes against time per event; the Pareto front "
                + "(no other combination is both faster and smaller) is joined and drawn larger"));
        images.add(dir.resolve("mapped-vs-live.png"));
        Charts.mappedVersusLive(results, images.getLast());
        body.append(HtmlReport.figure("mapped-vs-live.png", "Mapped bytes of each combination over the trace, "
                + "and the live requested bytes"));
        images.add(dir.resolve("fragmentation.png"));
        Charts.fragmentation(results, images.getLast());
        body.append(HtmlReport.figure("fragmentation.png", "Fragmentation over the trace and its time average "
                + "(Johnstone and Wilson's measure #1)"));
        return HtmlReport.page(dir, "Sweep on " + results.getFirst().trace(), table, body, images);
    }
}
