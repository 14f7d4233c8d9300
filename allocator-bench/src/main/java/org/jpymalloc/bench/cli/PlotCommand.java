package org.jpymalloc.bench.cli;

import java.nio.file.Path;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code plot}: {@code compare} that always writes the plots and the HTML page. */
@Command(name = "plot", mixinStandardHelpOptions = true,
        description = {"Like compare, and writes the plots (PNG) and an HTML page gathering them into --out: mapped vs "
                + "live bytes over time, utilisation over time, jpymalloc's pools per size class, and an occupancy "
                + "map of every arena at the end and at the peak."})
final class PlotCommand extends CompareCommand {

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "target/report",
            description = "where the report goes (default: ${DEFAULT-VALUE})")
    Path out;

    @Override
    public Integer call() {
        report = out;
        return super.call();
    }
}
