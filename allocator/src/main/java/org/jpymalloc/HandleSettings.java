package org.jpymalloc;

/** What an allocator's {@link Handle}s are built with: the leak detection level and listener (or null). */
record HandleSettings(LeakDetection.Level level, LeakDetection.Listener listener) {

    static HandleSettings defaults() {
        return new HandleSettings(LeakDetection.Level.fromSystemProperty(), null);
    }

}
