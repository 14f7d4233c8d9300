package org.jpymalloc.bench.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XIntervalSeries;
import org.jfree.data.xy.XIntervalSeriesCollection;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jpymalloc.bench.replay.ReplayResult;
import org.jpymalloc.bench.replay.Series;
import org.jpymalloc.bench.replay.SweepPoint;

/** The line and bar charts of a report, drawn with JFreeChart into PNG files. */
final class Charts {

    private static final int WIDTH = 1000;
    private static final int HEIGHT = 560;
    private static final double MIB = 1 << 20;

    private Charts() {
    }

    /** Mapped bytes of every allocator over the trace, with the trace's live requested bytes. */
    static void mappedVersusLive(List<ReplayResult> results, Path file) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (ReplayResult r : results) {
            data.addSeries(series(r.allocator() + " mapped", r.series(), i -> r.series().mappedBytes()[i] / MIB));
        }
        Series first = results.getFirst().series();
        data.addSeries(series("live requested bytes", first, i -> first.liveBytes()[i] / MIB));
        JFreeChart chart = ChartFactory.createXYLineChart("Mapped vs live bytes over the trace", "events", "MiB",
                data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.getRenderer().setSeriesPaint(results.size(), Color.BLACK);
        plot.getRenderer().setSeriesStroke(results.size(), new BasicStroke(2.5f, BasicStroke.CAP_BUTT,
                BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        save(chart, file);
    }

    /** Live requested bytes over mapped bytes, per allocator. */
    static void utilisation(List<ReplayResult> results, Path file) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (ReplayResult r : results) {
            data.addSeries(series(r.allocator(), r.series(), i -> 100 * r.series().utilisation(i)));
        }
        JFreeChart chart = ChartFactory.createXYLineChart("Utilisation: live requested bytes / mapped bytes", "events",
                "%", data, PlotOrientation.VERTICAL, true, false, false);
        save(chart, file);
    }

    /**
     * Fragmentation over the trace, per allocator: (mapped - live) / live at each sample, in percent, with
     * Johnstone and Wilson's time average (their measure #1) in each series' name.
     */
    static void fragmentation(List<ReplayResult> results, Path file) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (ReplayResult r : results) {
            Series s = r.series();
            String name = String.format(java.util.Locale.ROOT, "%s (time average %.0f%%)", r.allocator(),
                    100 * s.timeAveragedFragmentation());
            XYSeries series = new XYSeries(name, false, true);
            for (int i = 0; i < s.size(); i++) {
                if (s.liveBytes()[i] > 0) {
                    series.add(s.events()[i], 100 * s.fragmentation(i));
                }
            }
            data.addSeries(series);
        }
        JFreeChart chart = ChartFactory.createXYLineChart("Fragmentation: (mapped - live) / live", "events", "%",
                data, PlotOrientation.VERTICAL, true, false, false);
        save(chart, file);
    }

    /** jpymalloc's pools per size class over the trace, stacked, one band per class that ever had a pool. */
    static void poolsPerClassOverTime(ReplayResult r, Path file) {
        Series s = r.series();
        org.jfree.data.xy.DefaultTableXYDataset data = new org.jfree.data.xy.DefaultTableXYDataset();
        for (int c = 0; c < s.blockSizes().length; c++) {
            int sizeClass = c;
            if (java.util.Arrays.stream(s.poolsPerClass()).noneMatch(pools -> pools[sizeClass] > 0)) {
                continue;
            }
            XYSeries series = new XYSeries(s.blockSizes()[c] + " B", false, false);
            for (int i = 0; i < s.size(); i++) {
                series.add(s.events()[i], s.poolsPerClass()[i][c]);
            }
            data.addSeries(series);
        }
        JFreeChart chart = ChartFactory.createStackedXYAreaChart("Pools per size class over the trace: "
                + r.allocator(), "events", "pools", data, PlotOrientation.VERTICAL, true, false, false);
        save(chart, file);
    }

    /** jpymalloc's pools per size class at the end of the trace and at the sample with the most mapped bytes. */
    static void poolsPerClass(ReplayResult r, long[] blockSizes, Path file) {
        Series s = r.series();
        int last = s.size() - 1;
        int peak = 0;
        for (int i = 0; i < s.size(); i++) {
            if (s.mappedBytes()[i] > s.mappedBytes()[peak]) {
                peak = i;
            }
        }
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (int c = 0; c < s.poolsPerClass()[last].length; c++) {
            String size = String.valueOf(blockSizes[c]);
            data.addValue(s.poolsPerClass()[peak][c], "at the peak (event " + s.events()[peak] + ")", size);
            data.addValue(s.poolsPerClass()[last][c], "at the end", size);
        }
        JFreeChart chart = ChartFactory.createBarChart("Pools per size class: " + r.allocator(), "block size (bytes)",
                "pools", data, PlotOrientation.VERTICAL, true, false, false);
        save(chart, file);
    }

    /**
     * A sweep's combinations as points, time per event against peak mapped bytes, each labelled, with the
     * range of its JVMs' times as a horizontal bar; the Pareto front joined by a line and drawn larger.
     */
    static void timeAgainstMemory(List<SweepPoint> points, Path file) {
        XYSeriesCollection front = new XYSeriesCollection();
        XYSeries line = new XYSeries("Pareto front", false, true);
        for (SweepPoint p : SweepPoint.paretoFront(points)) {
            line.add(p.medianNsPerEvent(), p.peakMappedBytes() / MIB);
        }
        front.addSeries(line);
        XIntervalSeriesCollection combinations = new XIntervalSeriesCollection();
        for (SweepPoint p : points) {
            XIntervalSeries point = new XIntervalSeries(p.label(), false, true);
            point.add(p.medianNsPerEvent(), p.fastestForkNsPerEvent(), p.slowestForkNsPerEvent(),
                    p.peakMappedBytes() / MIB);
            combinations.addSeries(point);
        }
        JFreeChart chart = ChartFactory.createScatterPlot("Time against memory: each geometry x policy",
                "ns per event (median over the JVMs; bars: fastest to slowest JVM)", "peak mapped MiB", front,
                PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        XYLineAndShapeRenderer frontRenderer = new XYLineAndShapeRenderer(true, true);
        frontRenderer.setSeriesPaint(0, Color.BLACK);
        frontRenderer.setSeriesShape(0, new java.awt.geom.Ellipse2D.Double(-7, -7, 14, 14));
        frontRenderer.setSeriesStroke(0, new BasicStroke(1.5f));
        plot.setRenderer(0, frontRenderer);
        XYErrorRenderer pointRenderer = new XYErrorRenderer();
        pointRenderer.setDrawYError(false);
        pointRenderer.setDefaultLinesVisible(false);
        pointRenderer.setDefaultItemLabelGenerator((dataset, series, item) -> dataset.getSeriesKey(series).toString());
        pointRenderer.setDefaultItemLabelsVisible(true);
        plot.setDataset(1, combinations);
        plot.setRenderer(1, pointRenderer);
        ((NumberAxis) plot.getDomainAxis()).setAutoRangeIncludesZero(false);
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        save(chart, file);
    }

    private static XYSeries series(String name, Series s, java.util.function.IntToDoubleFunction value) {
        XYSeries series = new XYSeries(name, false, true);
        for (int i = 0; i < s.size(); i++) {
            series.add(s.events()[i], value.applyAsDouble(i));
        }
        return series;
    }

    private static void save(JFreeChart chart, Path file) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.getPlot().setBackgroundPaint(Color.WHITE);
        if (chart.getPlot() instanceof XYPlot xy) {
            xy.setDomainGridlinePaint(Color.LIGHT_GRAY);
            xy.setRangeGridlinePaint(Color.LIGHT_GRAY);
        } else if (chart.getPlot() instanceof org.jfree.chart.plot.CategoryPlot category) {
            category.setRangeGridlinePaint(Color.LIGHT_GRAY);
        }
        try {
            ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
