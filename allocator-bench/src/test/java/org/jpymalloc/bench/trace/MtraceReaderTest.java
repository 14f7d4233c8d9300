package org.jpymalloc.bench.trace;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MtraceReaderTest {

    static Trace read(String text) throws IOException {
        return MtraceReader.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), "test.mtrace");
    }

    @Test
    void readsEveryEventForm() throws IOException {
        Trace trace = read("""
                = Start
                @ /lib/libpython3.9.so:(PyMem_Malloc+1a)[0x10] + 0x55e2f56444a0 0x20
                @ ./a.out:[0x401136] + 0x1000 0x200
                + 0x2000 0x10
                @ /path with spaces/lib.so:[0x1] < 0x1000
                @ /path with spaces/lib.so:[0x1] > 0x3000 0x400
                @ x - 0x55e2f56444a0\r
                
                @ x - 0x2000
                = End
                """).validate();
        assertEquals(6, trace.length());
        assertEquals(Trace.MALLOC, trace.op(0));
        assertEquals(0x20, trace.size(0));
        assertEquals(0x200, trace.size(1));
        assertEquals(Trace.REALLOC, trace.op(3));
        assertEquals(trace.slot(1), trace.slot(3), "a realloc keeps the block's slot");
        assertEquals(0x400, trace.size(3));
        assertEquals(Trace.FREE, trace.op(4));
        assertEquals(trace.slot(0), trace.slot(4));
        assertEquals(Trace.FREE, trace.op(5));
        assertEquals(TraceNoise.NONE, trace.noise());
        assertEquals(3, trace.slotCount());
    }

    @Test
    void slotsOfFreedBlocksAreReused() throws IOException {
        Trace trace = read("+ 0x10 0x8\n- 0x10\n+ 0x20 0x8\n+ 0x30 0x8\n").validate();
        assertEquals(trace.slot(0), trace.slot(2));
        assertEquals(2, trace.slotCount());
    }

    @Test
    void realWorldNoiseIsRepairedAndCounted() throws IOException {
        Trace trace = read("""
                @ a - 0x999
                @ a < 0x777
                @ a > 0x100 0x30
                @ a + 0x200 0x10
                @ a + 0x200 0x20
                @ a + (nil) 0x40
                @ a ! 0x100 0x99999
                @ a - (nil)
                @ a > 0x300 0x10
                @ a < 0x200
                @ a + 0x400 0x10
                """).validate();
        TraceNoise noise = trace.noise();
        assertEquals(1, noise.unknownFrees(), noise.summary());
        assertEquals(1, noise.unknownReallocs());
        assertEquals(1, noise.reusedAddresses());
        assertEquals(2, noise.failedAllocations());
        assertEquals(1, noise.nullFrees());
        assertEquals(2, noise.unpairedReallocs(), "a '>' alone and a '<' alone");
        assertEquals(8, noise.total());
        assertTrue(noise.summary().contains("1 unknown free"), noise.summary());
        // What survives: 0x100 (realloc of unknown -> malloc), 0x200 twice (second frees the first), 0x300,
        // then the lone '<' frees 0x200, then 0x400.
        long[] kinds = trace.countsByKind();
        assertEquals(5, kinds[Trace.MALLOC]);
        assertEquals(2, kinds[Trace.FREE]);
    }

    @Test
    void malformedLinesNameTheirLineNumber() {
        TraceFormatException noOp = assertThrows(TraceFormatException.class,
                () -> read("= Start\n+ 0x10 0x8\nhello world\n"));
        assertEquals("test.mtrace, line 3: not an mtrace event (expected '+ ADDR SIZE', '- ADDR', '< ADDR', "
                + "'> ADDR SIZE' or '! ADDR SIZE' at the end of the line): \"hello world\"", noOp.getMessage());
        TraceFormatException badHex = assertThrows(TraceFormatException.class, () -> read("+ 0x10 0x8\n- 0xZZ\n"));
        assertEquals("test.mtrace, line 2: bad address '0xZZ': \"0xZZ\"", badHex.getMessage());
        assertThrows(TraceFormatException.class, () -> read("+ 0x10\n"), "size missing");
        assertThrows(TraceFormatException.class, () -> read("+ 0x10 0x12345678901234567\n"), "17 hex digits");
    }

    @Test
    void aRealTraceDecodes() throws IOException {
        try (InputStream in = new GZIPInputStream(getClass().getResourceAsStream("/traces/cpython-3.9-start.mtrace.gz"))) {
            Trace trace = MtraceReader.read(in, "cpython-3.9-start.mtrace.gz").validate();
            long[] kinds = trace.countsByKind();
            assertEquals(19_999, kinds[Trace.MALLOC] + kinds[Trace.FREE] + 2 * kinds[Trace.REALLOC],
                    "a line per malloc and free, two per realloc, after '= Start'");
            assertEquals(TraceNoise.NONE, trace.noise(), "traced from the first malloc of the process");
        }
    }
}
