package org.jpymalloc.bench.trace;

/**
 * What a real trace holds besides clean malloc/realloc/free events, counted while decoding. None of it
 * stops a replay; all of it is reported.
 *
 * @param unknownFrees frees of an address the trace never allocated (allocated before tracing began):
 *     skipped
 * @param unknownReallocs reallocs of such an address: replayed as a malloc of the new size
 * @param reusedAddresses allocations returning an address that was still live in the trace (its free was
 *     not traced): the older block is freed first
 * @param failedAllocations allocations or reallocs that returned NULL ({@code (nil)} or {@code !}): skipped
 * @param nullFrees {@code free(NULL)}: skipped
 * @param unpairedReallocs a realloc's {@code <} or {@code >} line without its partner: handled as a free
 *     or a malloc
 */
public record TraceNoise(long unknownFrees, long unknownReallocs, long reusedAddresses, long failedAllocations,
                         long nullFrees, long unpairedReallocs) implements java.io.Serializable {

    public static final TraceNoise NONE = new TraceNoise(0, 0, 0, 0, 0, 0);

    public long total() {
        return unknownFrees + unknownReallocs + reusedAddresses + failedAllocations + nullFrees + unpairedReallocs;
    }

    /** One line for reports, e.g. {@code "12 unknown frees, 1 failed allocation"}, or {@code "none"}. */
    public String summary() {
        StringBuilder text = new StringBuilder();
        append(text, unknownFrees, "unknown free");
        append(text, unknownReallocs, "realloc of an unknown address");
        append(text, reusedAddresses, "address reused while live");
        append(text, failedAllocations, "failed allocation");
        append(text, nullFrees, "free(NULL)");
        append(text, unpairedReallocs, "unpaired realloc line");
        return text.isEmpty() ? "none" : text.toString();
    }

    private static void append(StringBuilder text, long count, String what) {
        if (count == 0) {
            return;
        }
        if (!text.isEmpty()) {
            text.append(", ");
        }
        text.append(count).append(' ').append(what).append(count == 1 || what.startsWith("free(") ? "" : "s");
    }
}
