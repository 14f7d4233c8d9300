package org.jpymalloc.bench;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo workload, end to end: it runs and prints CPython-style statistics. */
class DemoTest {

    @Test
    void theDemoPrintsThreeSnapshotsThatAddUp() {
        String out = run("cpython-3.10");
        assertTrue(out.startsWith("jpymalloc demo: 400,000 seeded operations; geometry: 1,048,576-byte arenas"), out);
        assertEquals(3, out.split("Small block threshold = 512, in 32 size classes.", -1).length - 1);
        assertTrue(out.contains("live blocks: 0 (0 in pools, 0 on the system path of 0 bytes)"), out);
        assertTrue(out.contains("# bytes lost to arena alignment"), out);
    }

    @Test
    void anUnknownGeometryIsRejectedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Demo.main(new String[] {"3.9"}));
        assertEquals("unknown geometry '3.9'; use one of [cpython-3.7, cpython-3.9, cpython-3.10, cpython-3.11, "
                + "cpython-3.12, cpython-3.13] or "
                + "arena=SIZE,pool=SIZE,alignment=N,threshold=N", e.getMessage());
    }

    private static String run(String geometry) {
        PrintStream original = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            Demo.main(new String[] {geometry});
        } finally {
            System.setOut(original);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
