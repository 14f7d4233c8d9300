package org.jpymalloc.bench.trace;

/** A trace file that cannot be read: names the file and the line (text) or event (binary) at fault. */
public final class TraceFormatException extends RuntimeException {

    /** E.g. {@code new TraceFormatException("app.mtrace", "line 12", "no address after '+'")}. */
    public TraceFormatException(String source, String where, String problem) {
        super(source + ", " + where + ": " + problem);
    }

    public TraceFormatException(String source, String where, String problem, Throwable cause) {
        super(source + ", " + where + ": " + problem, cause);
    }
}
