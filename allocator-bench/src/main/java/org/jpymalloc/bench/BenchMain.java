package org.jpymalloc.bench;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.jpymalloc.bench.cli.Cli;

/**
 * Entry point of {@code jpymalloc-bench.jar}: the trace commands ({@code stats}, {@code replay},
 * {@code compare}, {@code plot}, {@code convert}, {@code help}; see {@link Cli}), {@code demo} for the demo
 * workload; anything else is handed to JMH ({@code java -jar jpymalloc-bench.jar AllocFreePair -p size=64}).
 */
public final class BenchMain {

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || Cli.COMMANDS.contains(args[0])) {
            PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
            PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
            System.exit(Cli.run(args, out, err));
        }
        if (args[0].equals("demo")) {
            Demo.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        org.openjdk.jmh.Main.main(args);
    }
}
