package org.jpymalloc.bench.trace;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads glibc's {@code mtrace} output ({@code MALLOC_TRACE}) in one streaming pass over bytes, with no
 * per-line regex or string. Each event line ends in its operation and hexadecimal operands, after an
 * optional {@code @ caller} part (which may hold anything, spaces included), so lines are parsed from the
 * right:
 * <pre>
 * = Start
 * @ caller + 0xADDR 0xSIZE      malloc, calloc, memalign, realloc(NULL, n)
 * @ caller - 0xADDR             free, realloc(p, 0)
 * @ caller &lt; 0xOLD             realloc, first half
 * @ caller &gt; 0xNEW 0xSIZE       realloc, second half
 * @ caller ! 0xOLD 0xSIZE       realloc that failed
 * = End
 * </pre>
 * A NULL address is printed {@code (nil)}. Real-world noise is repaired and counted by
 * {@link TraceBuilder}; a line that is none of the above is an error naming its line number.
 */
public final class MtraceReader {

    private static final int CHUNK = 1 << 16;

    private final TraceBuilder builder;
    private final String source;
    private long lineNumber;
    private long pendingReallocFrom;
    private boolean reallocPending;

    private MtraceReader(String source) {
        this.source = source;
        this.builder = new TraceBuilder(source);
    }

    /** Decodes a whole trace; the stream is read to its end, not closed. */
    public static Trace read(InputStream in, String source) throws IOException {
        MtraceReader reader = new MtraceReader(source);
        reader.readAll(in);
        return reader.builder.build();
    }

    private void readAll(InputStream in) throws IOException {
        byte[] buffer = new byte[CHUNK];
        int filled = 0;
        while (true) {
            int read = in.read(buffer, filled, buffer.length - filled);
            if (read < 0) {
                break;
            }
            filled += read;
            int lineStart = 0;
            for (int i = indexOf(buffer, lineStart, filled); i >= 0; i = indexOf(buffer, lineStart, filled)) {
                line(buffer, lineStart, i);
                lineStart = i + 1;
            }
            filled -= lineStart;
            System.arraycopy(buffer, lineStart, buffer, 0, filled);
            if (filled == buffer.length) {
                buffer = Arrays.copyOf(buffer, buffer.length * 2); // a very long line
            }
        }
        if (filled > 0) {
            line(buffer, 0, filled);
        }
        if (reallocPending) {
            finishUnpairedRealloc();
        }
    }

    private static int indexOf(byte[] buffer, int from, int to) {
        for (int i = from; i < to; i++) {
            if (buffer[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private void line(byte[] b, int start, int end) {
        lineNumber++;
        while (end > start && (b[end - 1] == '\r' || b[end - 1] == ' ' || b[end - 1] == '\t')) {
            end--;
        }
        if (end == start || b[start] == '=') {
            return; // blank, "= Start", "= End"
        }
        int lastStart = tokenStart(b, start, end);
        int secondEnd = lastStart - 1;
        int secondStart = secondEnd > start ? tokenStart(b, start, secondEnd) : -1;
        if (secondStart >= 0 && secondEnd - secondStart == 1 && (b[secondStart] == '-' || b[secondStart] == '<')) {
            event(b[secondStart], hex(b, lastStart, end, "address"), 0);
            return;
        }
        int thirdEnd = secondStart - 1;
        int thirdStart = thirdEnd > start ? tokenStart(b, start, thirdEnd) : -1;
        if (thirdStart >= 0 && thirdEnd - thirdStart == 1
                && (b[thirdStart] == '+' || b[thirdStart] == '>' || b[thirdStart] == '!')) {
            event(b[thirdStart], hex(b, secondStart, secondEnd, "address"), hex(b, lastStart, end, "size"));
            return;
        }
        throw malformed(b, start, end, "not an mtrace event (expected '+ ADDR SIZE', '- ADDR', '< ADDR', "
                + "'> ADDR SIZE' or '! ADDR SIZE' at the end of the line)");
    }

    private void event(byte op, long address, long size) {
        if (reallocPending && op != '>') {
            finishUnpairedRealloc();
        }
        switch (op) {
            case '+' -> builder.malloc(address, size);
            case '-' -> builder.free(address);
            case '<' -> {
                reallocPending = true;
                pendingReallocFrom = address;
            }
            case '>' -> {
                if (reallocPending) {
                    reallocPending = false;
                    builder.realloc(pendingReallocFrom, address, size);
                } else {
                    builder.unpairedRealloc();
                    builder.malloc(address, size);
                }
            }
            case '!' -> builder.failedAllocation();
            default -> throw new AssertionError(op);
        }
    }

    private void finishUnpairedRealloc() {
        reallocPending = false;
        builder.unpairedRealloc();
        builder.free(pendingReallocFrom);
    }

    /** Start of the space-separated token that ends at {@code end}. */
    private static int tokenStart(byte[] b, int lineStart, int end) {
        int i = end;
        while (i > lineStart && b[i - 1] != ' ') {
            i--;
        }
        return i;
    }

    private long hex(byte[] b, int start, int end, String what) {
        int length = end - start;
        if (length == 5 && b[start] == '(' && b[start + 1] == 'n' && b[start + 2] == 'i' && b[start + 3] == 'l') {
            return 0; // "(nil)"
        }
        if (length < 3 || length > 18 || b[start] != '0' || (b[start + 1] != 'x' && b[start + 1] != 'X')) {
            throw malformed(b, start, end, "bad " + what + " '" + text(b, start, end) + "' (expected 0x followed "
                    + "by at most 16 hex digits)");
        }
        long value = 0;
        for (int i = start + 2; i < end; i++) {
            int digit = Character.digit(b[i], 16);
            if (digit < 0) {
                throw malformed(b, start, end, "bad " + what + " '" + text(b, start, end) + "'");
            }
            value = value << 4 | digit;
        }
        return value;
    }

    private TraceFormatException malformed(byte[] b, int start, int end, String problem) {
        String shown = text(b, start, Math.min(end, start + 200));
        return new TraceFormatException(source, "line " + lineNumber, problem + ": \"" + shown + "\"");
    }

    private static String text(byte[] b, int start, int end) {
        return new String(b, start, Math.max(0, end - start), StandardCharsets.UTF_8);
    }
}
