package org.jpymalloc.bench.trace;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Opens a trace file whatever its form: glibc {@code mtrace} text or jpymalloc's binary format, either
 * one plain or gzip-compressed (told by content, not by name).
 */
public final class TraceFiles {

    private static final int BUFFER = 1 << 16;

    private TraceFiles() {
    }

    public static Trace read(Path file) {
        String source = file.toString();
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException("trace " + source + " is a directory, not a file");
        }
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), BUFFER)) {
            InputStream in = isGzip(raw) ? new BufferedInputStream(new GZIPInputStream(raw, BUFFER), BUFFER) : raw;
            return isBinary(in) ? BinaryTraceFormat.read(in, source) : MtraceReader.read(in, source);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("trace file not found: " + source);
        } catch (java.util.zip.ZipException e) {
            throw new TraceFormatException(source, "gzip", "corrupt compressed data (" + e.getMessage() + ")", e);
        } catch (java.io.EOFException e) {
            throw new TraceFormatException(source, "gzip", "compressed data ends early", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read trace " + source + ": " + e.getMessage(), e);
        }
    }

    /** Writes the binary format, gzip-compressed when the name ends in {@code .gz}. */
    public static void writeBinary(Trace trace, Path file) {
        try (OutputStream raw = new BufferedOutputStream(Files.newOutputStream(file), BUFFER);
             OutputStream out = file.toString().endsWith(".gz") ? new GZIPOutputStream(raw, BUFFER) : raw) {
            BinaryTraceFormat.write(trace, out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write trace " + file + ": " + e.getMessage(), e);
        }
    }

    private static boolean isGzip(InputStream in) throws IOException {
        byte[] head = peek(in, 2);
        return head.length == 2 && (head[0] & 0xFF) == 0x1F && (head[1] & 0xFF) == 0x8B;
    }

    private static boolean isBinary(InputStream in) throws IOException {
        return Arrays.equals(peek(in, BinaryTraceFormat.MAGIC.length), BinaryTraceFormat.MAGIC);
    }

    private static byte[] peek(InputStream in, int count) throws IOException {
        in.mark(count);
        byte[] head = in.readNBytes(count);
        in.reset();
        return head;
    }
}
