package org.jpymalloc.bench.jmh;

import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Settings every benchmark shares: average time per operation in nanoseconds, two forks (the machines
 * are 2-core and shared, so each figure is a mean over two JVMs), native access for the forks, and
 * Netty's thread cache for every thread ({@value #NETTY_CACHE}: Netty 4.2 caches only for its own
 * event-loop threads by default, so without it JMH's threads would measure Netty without its cache).
 * Override on the command line (-f, -wi, -i) for quick looks; published figures use these. A method
 * with a {@code @Fork} of its own must repeat these options.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", BenchmarkDefaults.NETTY_CACHE})
public abstract class BenchmarkDefaults {

    /** Netty's pooled allocator with its thread cache on for every thread, JMH's included. */
    public static final String NETTY_CACHE = "-Dio.netty.allocator.useCacheForAllThreads=true";
}
