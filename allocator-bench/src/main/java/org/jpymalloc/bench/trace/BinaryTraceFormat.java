package org.jpymalloc.bench.trace;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * jpymalloc's own trace format: a decoded {@link Trace} as it is replayed (slots, not addresses), so
 * that reading it needs no address bookkeeping, in about 3 bytes per event before compression.
 * Specified in {@code docs/trace-format.md}:
 * <pre>
 * magic        8 bytes  "JPYMTRC1"
 * slotCount    varint
 * events       varint
 * noise        6 varints (TraceNoise, in component order)
 * each event   varint (slot &lt;&lt; 2 | kind)   kind 0 malloc, 1 free, 2 realloc
 *              varint size                  malloc and realloc only
 * </pre>
 * Varints are unsigned LEB128 (7 bits per byte, low group first, high bit set on all but the last).
 */
public final class BinaryTraceFormat {

    static final byte[] MAGIC = "JPYMTRC1".getBytes(StandardCharsets.US_ASCII);

    private BinaryTraceFormat() {
    }

    public static void write(Trace trace, OutputStream out) throws IOException {
        VarintWriter writer = new VarintWriter(out);
        out.write(MAGIC);
        writer.write(trace.slotCount());
        writer.write(trace.length());
        TraceNoise noise = trace.noise();
        for (long count : new long[] {noise.unknownFrees(), noise.unknownReallocs(), noise.reusedAddresses(),
                noise.failedAllocations(), noise.nullFrees(), noise.unpairedReallocs()}) {
            writer.write(count);
        }
        Trace.Arrays events = trace.arrays();
        for (int i = 0; i < events.length(); i++) {
            byte op = events.ops()[i];
            writer.write((long) events.slots()[i] << 2 | op);
            if (op != Trace.FREE) {
                writer.write(events.sizes()[i]);
            }
        }
        writer.flush();
    }

    /** Reads a trace whose magic has not been consumed yet; checks it with {@link Trace#validate()}. */
    public static Trace read(InputStream in, String source) throws IOException {
        VarintReader reader = new VarintReader(in, source);
        byte[] magic = reader.bytes(MAGIC.length);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new TraceFormatException(source, "byte 0", "not a jpymalloc binary trace (no JPYMTRC1 magic)");
        }
        long slotCount = reader.read("slot count");
        long events = reader.read("event count");
        if (slotCount > Integer.MAX_VALUE || events > Integer.MAX_VALUE - 8) {
            throw new TraceFormatException(source, "header", "too large: " + slotCount + " slots, " + events
                    + " events");
        }
        TraceBuilder builder = new TraceBuilder(source);
        builder.noise(new TraceNoise(reader.read("noise"), reader.read("noise"), reader.read("noise"),
                reader.read("noise"), reader.read("noise"), reader.read("noise")));
        for (long i = 0; i < events; i++) {
            long word = reader.read("event " + i);
            byte op = (byte) (word & 3);
            long slot = word >>> 2;
            if (op > Trace.REALLOC || slot >= slotCount) {
                throw new TraceFormatException(source, "event " + i, "bad event: kind " + op + ", slot " + slot
                        + " (slot count " + slotCount + ")");
            }
            long size = op == Trace.FREE ? 0 : reader.read("size of event " + i);
            builder.event(op, (int) slot, size);
        }
        return builder.build().validate();
    }

    private static final class VarintWriter {
        private final OutputStream out;
        private final byte[] buffer = new byte[1 << 16];
        private int used;

        VarintWriter(OutputStream out) {
            this.out = out;
        }

        void write(long value) throws IOException {
            if (used > buffer.length - 10) {
                flush();
            }
            while ((value & ~0x7FL) != 0) {
                buffer[used++] = (byte) (value & 0x7F | 0x80);
                value >>>= 7;
            }
            buffer[used++] = (byte) value;
        }

        void flush() throws IOException {
            out.write(buffer, 0, used);
            used = 0;
            out.flush();
        }
    }

    private static final class VarintReader {
        private final InputStream in;
        private final String source;
        private final byte[] buffer = new byte[1 << 16];
        private int position;
        private int limit;

        VarintReader(InputStream in, String source) {
            this.in = in;
            this.source = source;
        }

        byte[] bytes(int count) throws IOException {
            byte[] result = new byte[count];
            for (int i = 0; i < count; i++) {
                int next = next();
                if (next < 0) {
                    throw new TraceFormatException(source, "byte " + i, "file too short for a trace header");
                }
                result[i] = (byte) next;
            }
            return result;
        }

        long read(String what) throws IOException {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int next = next();
                if (next < 0) {
                    throw new TraceFormatException(source, what, "file ends in the middle of the trace",
                            new EOFException());
                }
                value |= (long) (next & 0x7F) << shift;
                if ((next & 0x80) == 0) {
                    return value;
                }
            }
            throw new TraceFormatException(source, what, "varint longer than 10 bytes");
        }

        private int next() throws IOException {
            if (position == limit) {
                limit = in.read(buffer, 0, buffer.length);
                position = 0;
                if (limit <= 0) {
                    limit = 0;
                    return -1;
                }
            }
            return buffer[position++] & 0xFF;
        }
    }
}
