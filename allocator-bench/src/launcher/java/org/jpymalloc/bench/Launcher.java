package org.jpymalloc.bench;

import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The jar's entry point, compiled for Java 17 so that {@code java -jar jpymalloc-bench.jar ...} works
 * whatever {@code java} is first on the PATH: on Java 25 or later it runs {@code BenchMain} in this JVM;
 * on an older one it finds a JDK 25+ ({@code $JPYMALLOC_JAVA}, {@code $JAVA_HOME}, then
 * {@code /usr/lib/jvm/*}) and runs the same command there, with the same arguments, standard streams and
 * exit status. Everything else in the jar needs Java 25 (the Foreign Function &amp; Memory API).
 */
public final class Launcher {

    private static final int NEEDED = 25;

    private Launcher() {
    }

    public static void main(String[] args) throws Exception {
        if (Runtime.version().feature() >= NEEDED) {
            try {
                Class.forName("org.jpymalloc.bench.BenchMain").getMethod("main", String[].class)
                        .invoke(null, (Object) args);
            } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause() instanceof Exception cause ? cause : e;
            }
            return;
        }
        String java = findJava();
        if (java == null) {
            System.err.println("jpymalloc-bench needs Java " + NEEDED + " or later (this is Java "
                    + Runtime.version().feature() + "); none found in $JPYMALLOC_JAVA, $JAVA_HOME or /usr/lib/jvm."
                    + " Install one (e.g. Temurin 25) or run it with its java.");
            System.exit(1);
        }
        List<String> command = new ArrayList<>();
        command.add(java);
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("org.jpymalloc.bench.BenchMain");
        command.addAll(Arrays.asList(args));
        Process process = new ProcessBuilder(command).inheritIO().start();
        System.exit(process.waitFor());
    }

    private static String findJava() {
        List<String> homes = new ArrayList<>();
        for (String variable : new String[] {"JPYMALLOC_JAVA", "JAVA_HOME"}) {
            String value = System.getenv(variable);
            if (value != null) {
                homes.add(value);
            }
        }
        File[] installed = new File("/usr/lib/jvm").listFiles();
        if (installed != null) {
            Arrays.sort(installed);
            for (int i = installed.length - 1; i >= 0; i--) {
                homes.add(installed[i].getPath());
            }
        }
        for (String home : homes) {
            File java = new File(home, "bin/java");
            File release = new File(home, "release");
            if (java.canExecute() && featureOf(release) >= NEEDED) {
                return java.getPath();
            }
            if (new File(home).getName().equals("java") && new File(home).canExecute()) {
                return home; // $JPYMALLOC_JAVA may name the executable itself
            }
        }
        return null;
    }

    /** The JDK's version from its {@code release} file ({@code JAVA_VERSION="25.0.3"}), or 0. */
    private static int featureOf(File release) {
        try {
            for (String line : java.nio.file.Files.readAllLines(release.toPath())) {
                if (line.startsWith("JAVA_VERSION=")) {
                    String version = line.substring("JAVA_VERSION=".length()).replace("\"", "");
                    return Integer.parseInt(version.split("[.+-]")[0]);
                }
            }
        } catch (Exception unreadable) {
            return 0;
        }
        return 0;
    }
}
