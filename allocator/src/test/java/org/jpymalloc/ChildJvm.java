package org.jpymalloc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs a test program in a JVM of its own, for cases that could crash a JVM: a crash then fails one test
 * instead of killing the test run. The child runs the same {@code java}, class path and native access
 * as the tests, writes any crash report ({@code hs_err_pid*.log}) into a fresh folder of its own, and is
 * killed after a time limit, so a hang fails too.
 */
final class ChildJvm {

    /** How a child ended: its exit code and output, and any crash report it left. */
    record Result(int exitCode, String stdout, String stderr, List<Path> crashReports) {

        /** Passed: exit code 0, {@code marker} printed, no crash report. */
        boolean passed(String marker) {
            return exitCode == 0 && crashReports.isEmpty() && stdout.contains(marker);
        }

        String describe() {
            return "exit code " + exitCode + ", crash reports " + crashReports + "\n--- stdout\n" + stdout
                    + "\n--- stderr\n" + stderr;
        }
    }

    private ChildJvm() {
    }

    /** Runs {@code main} with {@code jvmOptions} and {@code args}; kills it after {@code timeoutSeconds}. */
    static Result run(Class<?> main, List<String> jvmOptions, long timeoutSeconds, String... args)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("jpymalloc-child");
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-ea");
        command.add("-XX:ErrorFile=" + dir.resolve("hs_err_pid%p.log"));
        command.add("-XX:-CreateCoredumpOnCrash");
        command.add("-Djpymalloc.atClose=IGNORE");
        command.add("-Djpymalloc.leakDetection=DISABLED");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(List.of(args));
        Path out = dir.resolve("stdout.txt");
        Path err = dir.resolve("stderr.txt");
        Process process = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        boolean finished = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!finished) {
            process.destroyForcibly().waitFor();
        }
        List<Path> crashes;
        try (Stream<Path> files = Files.list(dir)) {
            crashes = files.filter(p -> p.getFileName().toString().startsWith("hs_err")).toList();
        }
        Result result = new Result(finished ? process.exitValue() : -1, Files.readString(out),
                (finished ? "" : "killed after " + timeoutSeconds + " s (a hang)\n") + Files.readString(err), crashes);
        if (crashes.isEmpty()) {
            deleteTree(dir);
        }
        return result;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
