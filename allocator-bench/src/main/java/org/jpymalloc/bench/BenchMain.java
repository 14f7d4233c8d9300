package org.jpymalloc.bench;

import java.util.Arrays;

/**
 * Entry point of {@code jpymalloc-bench.jar}: {@code demo} runs the demo workload; anything else is handed
 * to JMH ({@code java -jar jpymalloc-bench.jar AllocFreePair -p size=64}, {@code -h} for its options).
 */
public final class BenchMain {

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("demo")) {
            Demo.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        org.openjdk.jmh.Main.main(args);
    }
}
