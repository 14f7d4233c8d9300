package org.jpymalloc.bench.trace;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BinaryTraceFormatTest {

    private static final String TEXT = """
            + 0x10 0x8
            + 0x20 0x1000000000
            < 0x10
            > 0x30 0x200
            - 0x20
            - 0x999
            + 0x40 0x0
            """;

    @Test
    void roundTripsEventsAndNoise(@TempDir Path dir) throws IOException {
        Trace original = MtraceReaderTest.read(TEXT);
        for (String name : new String[] {"t.jpmt", "t.jpmt.gz"}) {
            Path file = dir.resolve(name);
            TraceFiles.writeBinary(original, file);
            Trace copy = TraceFiles.read(file);
            assertSame(original, copy);
        }
        assertTrue(Files.size(dir.resolve("t.jpmt")) < 40, "a few bytes per event");
    }

    @Test
    void readsTheMtraceFormGzippedToo(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("plain-name-no-suffix");
        try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(TEXT.getBytes());
        }
        assertSame(MtraceReaderTest.read(TEXT), TraceFiles.read(file));
    }

    @Test
    void corruptFilesAreReportedWithThePlace(@TempDir Path dir) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryTraceFormat.write(MtraceReaderTest.read(TEXT), bytes);
        byte[] good = bytes.toByteArray();

        TraceFormatException truncated = assertThrows(TraceFormatException.class,
                () -> BinaryTraceFormat.read(new ByteArrayInputStream(Arrays.copyOf(good, good.length - 1)), "t"));
        assertTrue(truncated.getMessage().contains("file ends in the middle of the trace"), truncated.getMessage());

        byte[] badMagic = good.clone();
        badMagic[0] = 'X';
        assertThrows(TraceFormatException.class, () -> BinaryTraceFormat.read(new ByteArrayInputStream(badMagic), "t"));

        // A free of a slot that is not live: event 0 becomes "free slot 0".
        byte[] freeFirst = good.clone();
        int firstEvent = BinaryTraceFormat.MAGIC.length + 2 + 6;
        freeFirst[firstEvent] = (byte) (0 << 2 | Trace.FREE);
        TraceFormatException notLive = assertThrows(TraceFormatException.class,
                () -> BinaryTraceFormat.read(new ByteArrayInputStream(freeFirst), "t"));
        assertTrue(notLive.getMessage().startsWith("t, event"), notLive.getMessage());

        Path missing = dir.resolve("missing.jpmt");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TraceFiles.read(missing));
        assertEquals("trace file not found: " + missing, e.getMessage());
        Path corruptGzip = dir.resolve("bad.gz");
        Files.write(corruptGzip, new byte[] {0x1f, (byte) 0x8b, 8, 0, 1, 2, 3});
        assertThrows(RuntimeException.class, () -> TraceFiles.read(corruptGzip));
    }

    static void assertSame(Trace expected, Trace actual) {
        assertEquals(expected.length(), actual.length());
        assertEquals(expected.slotCount(), actual.slotCount());
        assertEquals(expected.noise(), actual.noise());
        for (int i = 0; i < expected.length(); i++) {
            assertEquals(expected.op(i), actual.op(i), "op " + i);
            assertEquals(expected.slot(i), actual.slot(i), "slot " + i);
            assertEquals(expected.size(i), actual.size(i), "size " + i);
        }
        assertArrayEquals(expected.countsByKind(), actual.countsByKind());
    }
}
