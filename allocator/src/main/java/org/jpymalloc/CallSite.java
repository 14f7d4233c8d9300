package org.jpymalloc;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Where the caller of jpymalloc is: a stack captured as cheaply as the JDK allows (a {@link Throwable}:
 * the VM records the frames, about 4x faster than a {@link StackWalker} stream here) and turned into
 * frames, without jpymalloc's own, only when a report or snapshot needs them. Used by leak detection and
 * by tracing.
 */
final class CallSite {

    /** Classes whose frames sit between the caller and the capture. */
    private static final Set<String> OWN = Set.of(Handle.class.getName(), HandleSettings.class.getName(),
            AllocationTracer.class.getName(), TracingAllocator.class.getName(), DebugHooks.class.getName(),
            Decorator.class.getName(), ConfinedAllocator.class.getName(), SharedAllocator.class.getName(),
            PyMalloc.class.getName(), CallSite.class.getName(), "java.lang.foreign.SegmentAllocator");

    private CallSite() {
    }

    /** Captures the current stack. */
    static Throwable capture() {
        return new Throwable("call site");
    }

    /** The captured stack's innermost {@code limit} frames outside jpymalloc (at least one frame). */
    static List<StackTraceElement> frames(Throwable captured, int limit) {
        StackTraceElement[] stack = captured.getStackTrace();
        int first = 0;
        while (first < stack.length - 1 && OWN.contains(stack[first].getClassName())) {
            first++;
        }
        return List.copyOf(Arrays.asList(stack).subList(first, Math.min(stack.length, first + limit)));
    }
}
