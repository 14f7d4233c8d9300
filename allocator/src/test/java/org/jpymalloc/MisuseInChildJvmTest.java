package org.jpymalloc;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The misuse harness: each case of {@link MisuseCases} runs in a JVM of its own and passes when that JVM
 * ends normally, having seen the exceptions the case expects, and leaves no crash report. Two children run
 * at a time (the machines have two cores); all start when the class does.
 *
 * <p>The owner path of a shared stripe orders its plain store and its load with a fence that the Java
 * memory model does not define for this use (docs/safety.md, "Ordering"), so the shared stress also runs
 * on the interpreter ({@code -Xint}) and on C1 alone ({@code -XX:TieredStopAtLevel=1}).
 */
class MisuseInChildJvmTest {

    private record Case(String name, String argument, List<String> jvmOptions) {
        String label() {
            return name + " " + argument + (jvmOptions.isEmpty() ? "" : " " + jvmOptions);
        }
    }

    private static final List<String> STRESS_SMALL = List.of("-Djpymalloc.stress.operations=20000");

    private static final List<Case> CASES = List.of(
            new Case("remote-link", "default:pattern", List.of()), // issue #12's reproduction: a SIGSEGV before
            new Case("remote-link", "default", List.of()),
            new Case("remote-link", "eager", List.of()),
            new Case("remote-link", "off", List.of()),
            new Case("local-link", "confined", List.of()),
            new Case("local-link", "shared", List.of()),
            new Case("double-free-race", "default", List.of()),
            new Case("double-free-race", "off", List.of()),
            new Case("closed-free-other-thread", "", List.of()),
            new Case("close-race", "default", List.of()),
            new Case("close-race", "eager", List.of()),
            new Case("close-race", "off", List.of()),
            new Case("close-race-thread-heaps", "default", List.of()),
            new Case("geometry-grid", "", List.of()),
            new Case("stress", "default", concat("-Xint")),
            new Case("stress", "eager", concat("-Xint")),
            new Case("stress", "default", concat("-XX:TieredStopAtLevel=1")),
            new Case("stress", "eager", concat("-XX:TieredStopAtLevel=1")),
            new Case("thread-heap-stress", "", concat("-Xint")),
            new Case("thread-heap-stress", "", concat("-XX:TieredStopAtLevel=1")));

    private static ExecutorService children;
    private static List<Future<ChildJvm.Result>> results;

    private static List<String> concat(String option) {
        return Stream.concat(Stream.of(option), STRESS_SMALL.stream()).toList();
    }

    @BeforeAll
    static void startAll() {
        children = Executors.newFixedThreadPool(2);
        results = CASES.stream().map(c -> children.submit(
                () -> ChildJvm.run(MisuseCases.class, c.jvmOptions(), 300, c.name(), c.argument()))).toList();
    }

    @AfterAll
    static void stop() {
        children.shutdownNow();
    }

    @TestFactory
    Stream<DynamicTest> everyMisuseEndsInAnExceptionNotACrash() {
        return java.util.stream.IntStream.range(0, CASES.size()).mapToObj(i -> DynamicTest.dynamicTest(
                CASES.get(i).label(), () -> {
                    ChildJvm.Result result = results.get(i).get();
                    assertTrue(result.passed("PASSED " + CASES.get(i).name()), result.describe());
                }));
    }
}
