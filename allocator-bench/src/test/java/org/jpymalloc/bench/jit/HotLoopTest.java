package org.jpymalloc.bench.jit;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link HotLoop}: each mode runs its loop to the end and frees what it allocated; bad arguments are named. */
class HotLoopTest {

    @Test
    void everyModeRunsToTheChecksum() {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            for (String mode : new String[] {"confined", "threadHeap", "shared"}) {
                HotLoop.main(new String[] {mode, "48"});
            }
        } finally {
            System.setOut(out);
        }
        String printed = captured.toString(StandardCharsets.UTF_8);
        assertTrue(printed.lines().filter(line -> line.startsWith("checksum ")).count() == 3, printed);
    }

    @Test
    void badArgumentsAreNamed() {
        IllegalArgumentException mode = assertThrows(IllegalArgumentException.class,
                () -> HotLoop.main(new String[] {"arena"}));
        assertTrue(mode.getMessage().contains("arena"), mode.getMessage());
        assertThrows(IllegalArgumentException.class, () -> HotLoop.main(new String[0]));
        assertThrows(IllegalArgumentException.class, () -> HotLoop.main(new String[] {"confined", "64", "x"}));
        assertThrows(NumberFormatException.class, () -> HotLoop.main(new String[] {"confined", "many"}));
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> HotLoop.main(new String[] {"confined", "-1"}));
        assertTrue(size.getMessage().contains("-1"), size.getMessage());
    }
}
