package org.jpymalloc.bench.replay;

import java.util.List;
import java.util.Locale;

import org.jpymalloc.bench.trace.TraceNoise;

/** Renders replay results: the side-by-side text table, and JSON. */
public final class ResultFormat {

    private ResultFormat() {
    }

    /** The comparison table; ratios are against the first result named {@code baseline}, if any. */
    public static String table(List<ReplayResult> results, List<String> skipped, String baseline) {
        StringBuilder out = new StringBuilder();
        ReplayResult first = results.isEmpty() ? null : results.getFirst();
        if (first != null) {
            long[] k = first.kinds();
            out.append(String.format(Locale.ROOT, "trace %s: %,d events (%,d malloc, %,d free, %,d realloc); noise: %s%n",
                    first.trace(), first.events(), k[0], k[1], k[2], first.noise().summary()));
            out.append(String.format(Locale.ROOT, "live requested bytes: peak %s, at the end %s%n%n",
                    mib(first.peakLiveBytes()), mib(first.finalLiveBytes())));
        }
        ReplayResult base = results.stream().filter(r -> r.allocator().equals(baseline)).findFirst().orElse(null);
        out.append(String.format(Locale.ROOT, "%-34s %9s %9s %8s %11s %12s %12s %9s%n", "allocator", "ns/event",
                "fastest", "vs " + (base == null ? "-" : baseline), "faults/run", "peak mapped", "final mapped",
                "peak use"));
        for (ReplayResult r : results) {
            String ratio = base == null ? "-" : String.format(Locale.ROOT, "%.2fx",
                    r.medianNsPerEvent() / base.medianNsPerEvent());
            out.append(String.format(Locale.ROOT, "%-34s %9.1f %9.1f %8s %,11d %12s %12s %8.1f%%%n", r.allocator(),
                    r.medianNsPerEvent(), r.minNsPerEvent(), ratio, r.medianFaultsPerRun(), mib(r.peakMappedBytes()),
                    mib(r.finalMappedBytes()), 100 * r.peakUtilisation()));
        }
        for (String reason : skipped) {
            out.append("skipped: ").append(reason).append('\n');
        }
        if (first != null) {
            out.append(String.format(Locale.ROOT, "%nns/event: median of %d timed runs of the whole trace (allocation "
                    + "calls only); peak use = peak live bytes / peak mapped bytes.%n", first.runNanos().length));
            out.append("mapped bytes, as each allocator counts them:\n");
            for (ReplayResult r : results) {
                out.append("  ").append(r.allocator()).append(": ").append(r.memoryDescription()).append('\n');
            }
            out.append("how each allocator is called:\n");
            for (ReplayResult r : results) {
                out.append("  ").append(r.allocator()).append(": ").append(r.calling()).append('\n');
            }
        }
        return out.toString();
    }

    /**
     * A sweep's table: one row per combination, in the order run; {@code *} marks the Pareto front of time
     * per event against peak mapped bytes.
     */
    public static String sweepTable(List<SweepPoint> points) {
        StringBuilder out = new StringBuilder();
        ReplayResult first = points.getFirst().result();
        out.append(String.format(Locale.ROOT, "trace %s: %,d events; live requested bytes: peak %s, at the end %s%n%n",
                first.trace(), first.events(), mib(first.peakLiveBytes()), mib(first.finalLiveBytes())));
        out.append(String.format(Locale.ROOT, "%-14s %-22s %12s %12s %9s %7s %9s %15s %11s %10s%n", "geometry",
                "policy", "peak mapped", "final mapped", "peak use", "arenas", "ns/event", "(forks)", "faults/run",
                "frag (J&W)"));
        for (SweepPoint point : points) {
            ReplayResult r = point.result();
            out.append(String.format(Locale.ROOT, "%-14s %-22s %12s %12s %8.1f%% %7d %9.1f %15s %,11d %9.1f%% %s%n",
                    point.geometry(), point.policy(), mib(point.peakMappedBytes()), mib(point.finalMappedBytes()),
                    100 * point.peakUtilisation(), r.arenasAllocatedTotal(), point.medianNsPerEvent(), String.format(Locale.ROOT, "(%.1f-%.1f)",
                            point.fastestForkNsPerEvent(), point.slowestForkNsPerEvent()), r.medianFaultsPerRun(),
                    100 * point.timeAveragedFragmentation(), point.onParetoFront(points) ? "*" : ""));
        }
        out.append(String.format(Locale.ROOT, "%n* on the Pareto front of time per event and peak mapped bytes. ns/event: "
                + "the median over %d JVM(s) per combination of each one's median of %d timed runs, with the "
                + "fastest and slowest JVM's; mapped bytes: the median over the JVMs; peak use = peak live bytes / "
                + "peak mapped bytes; arenas: arenas mapped over the "
                + "trace; fragmentation: Johnstone and Wilson's time average, the median over the JVMs; arenas and faults "
                + "are the median-time JVM's.%n",
                points.getFirst().forks().size(), first.runNanos().length));
        return out.toString();
    }

    /** A sweep as JSON, schema {@code jpymalloc.sweep/1} (docs/replay.md). */
    public static String sweepJson(List<SweepPoint> points) {
        JsonWriter json = new JsonWriter().open('{').field("schema", "jpymalloc.sweep/1");
        ReplayResult first = points.getFirst().result();
        json.field("trace", first.trace()).field("events", first.events())
                .field("peakLiveBytes", first.peakLiveBytes()).key("results").open('[');
        for (SweepPoint point : points) {
            ReplayResult r = point.result();
            json.open('{').field("geometry", point.geometry()).field("policy", point.policy())
                    .field("peakMappedBytes", point.peakMappedBytes()).field("finalMappedBytes", point.finalMappedBytes())
                    .key("forkPeakMappedBytes").values(point.forks().stream().mapToLong(ReplayResult::peakMappedBytes)
                            .toArray())
                    .field("peakUtilisation", point.peakUtilisation())
                    .field("arenasAllocatedTotal", r.arenasAllocatedTotal())
                    .field("fragmentationTimeAveraged", point.timeAveragedFragmentation())
                    .field("medianNsPerEvent", point.medianNsPerEvent()).key("forkMedianNsPerEvent").open('[');
            for (ReplayResult fork : point.forks()) {
                json.value(fork.medianNsPerEvent());
            }
            json.close(']').field("medianMinorFaultsPerRun", r.medianFaultsPerRun())
                    .key("paretoFront").raw(String.valueOf(point.onParetoFront(points)))
                    .key("mappedBytesSeries").open('{').field("every", r.series().every())
                    .key("events").values(r.series().events()).key("mappedBytes").values(r.series().mappedBytes())
                    .close('}').close('}');
        }
        return json.close(']').close('}').toString();
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.2f MiB", bytes / (double) (1 << 20));
    }

    /** One result as a JSON object (schema {@code jpymalloc.replay/1}, see docs/replay.md). */
    public static String json(ReplayResult r) {
        return object(new JsonWriter(), r).toString();
    }

    /** Several results, with the allocators that could not run. */
    public static String json(List<ReplayResult> results, List<String> skipped) {
        JsonWriter json = new JsonWriter().open('{').field("schema", "jpymalloc.compare/1");
        json.key("results").open('[');
        for (ReplayResult result : results) {
            object(json, result);
        }
        json.close(']').key("skipped").open('[');
        for (String reason : skipped) {
            json.value(reason);
        }
        return json.close(']').close('}').toString();
    }

    private static JsonWriter object(JsonWriter json, ReplayResult r) {
        json.open('{').field("schema", "jpymalloc.replay/1").field("allocator", r.allocator())
                .field("trace", r.trace()).field("events", r.events());
        json.key("kinds").open('{').field("malloc", r.kinds()[0]).field("free", r.kinds()[1])
                .field("realloc", r.kinds()[2]).close('}');
        TraceNoise n = r.noise();
        json.key("noise").open('{').field("unknownFrees", n.unknownFrees()).field("unknownReallocs", n.unknownReallocs())
                .field("reusedAddresses", n.reusedAddresses()).field("failedAllocations", n.failedAllocations())
                .field("nullFrees", n.nullFrees()).field("unpairedReallocs", n.unpairedReallocs()).close('}');
        json.field("medianNsPerEvent", r.medianNsPerEvent()).field("minNsPerEvent", r.minNsPerEvent());
        json.key("runNanos").values(r.runNanos()).key("runMinorFaults").values(r.runFaults());
        json.field("peakMappedBytes", r.peakMappedBytes()).field("finalMappedBytes", r.finalMappedBytes())
                .field("peakLiveBytes", r.peakLiveBytes()).field("finalLiveBytes", r.finalLiveBytes())
                .field("memory", r.memoryDescription()).field("calling", r.calling());
        Series s = r.series();
        json.field("fragmentationTimeAveraged", s.timeAveragedFragmentation()); // null when nothing was live
        json.key("series").open('{').field("every", s.every()).key("events").values(s.events())
                .key("mappedBytes").values(s.mappedBytes()).key("liveBytes").values(s.liveBytes());
        if (s.arenas().length > 0) {
            json.key("arenas").values(s.arenas()).key("blockSizes").values(s.blockSizes()).key("poolsPerClass").open('[');
            for (int[] pools : s.poolsPerClass()) {
                json.values(pools);
            }
            json.close(']');
        }
        json.close('}');
        json.key("stats");
        if (r.statsJson() == null) {
            json.value((String) null);
        } else {
            json.raw(r.statsJson());
        }
        return json.close('}');
    }
}
