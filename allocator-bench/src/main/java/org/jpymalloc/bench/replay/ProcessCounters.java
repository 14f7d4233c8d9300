package org.jpymalloc.bench.replay;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's page-fault count from {@code /proc/self/stat} (Linux), to show what part of a run's
 * time went to the kernel mapping pages in: on a virtual machine a minor fault can cost microseconds.
 */
final class ProcessCounters {

    private static final Path STAT = Path.of("/proc/self/stat");

    private ProcessCounters() {
    }

    /** Minor faults so far, or -1 where {@code /proc} cannot tell. */
    static long minorFaults() {
        try {
            String stat = Files.readString(STAT);
            // Fields after "(comm)": state is field 3; minflt is field 10.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[7]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
