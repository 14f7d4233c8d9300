package org.jpymalloc;

/**
 * An allocator's leak settings: how its {@link Handle}s are watched (level, listener or null), and what
 * {@code close()} does with blocks still live.
 */
record HandleSettings(LeakDetection.Level level, LeakDetection.Listener listener, LeakDetection.AtClose atClose) {

    static HandleSettings defaults() {
        return new HandleSettings(LeakDetection.Level.fromSystemProperty(), null,
                LeakDetection.AtClose.fromSystemProperty());
    }

}
