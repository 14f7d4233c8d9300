package org.jpymalloc;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Where a traced block was allocated: the innermost frames of the allocating thread's stack (up to the
 * allocator's tracing depth), innermost first, without jpymalloc's own frames. Like tracemalloc's
 * {@code Traceback}; {@link #line()} is the innermost frame, tracemalloc's grouping by line.
 *
 * @param frames the stack frames, innermost first (never empty)
 */
public record Traceback(List<StackTraceElement> frames) {

    public Traceback {
        frames = List.copyOf(frames);
        if (frames.isEmpty()) {
            throw new IllegalArgumentException("a traceback needs at least one frame");
        }
    }

    /** The innermost frame: the line that allocated. */
    public StackTraceElement line() {
        return frames.getFirst();
    }

    /** The traceback cut to its innermost frame: the key when statistics are grouped by line. */
    public Traceback lineOnly() {
        return frames.size() == 1 ? this : new Traceback(List.of(frames.getFirst()));
    }

    @Override
    public String toString() {
        return frames.stream().map(f -> "\tat " + f).collect(Collectors.joining(System.lineSeparator()));
    }
}
