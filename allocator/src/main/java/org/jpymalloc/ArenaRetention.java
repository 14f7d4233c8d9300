package org.jpymalloc;

import java.time.Duration;

/**
 * How long, and how many, wholly free arenas a heap keeps mapped after CPython's policy released them
 * ({@link RetainedArenas}): at most {@code maxArenas}, each for at most {@code decayNanos}.
 *
 * @param maxArenas the most a heap keeps at once (0: CPython's policy exactly, every released arena is
 *     unmapped at once)
 * @param decayNanos how long one is kept before it goes back to the OS ({@link Long#MAX_VALUE}: until
 *     reused, trimmed or closed)
 */
record ArenaRetention(int maxArenas, long decayNanos) {

    /** The default decay: an emptied arena goes back to the OS about a second after it emptied. */
    static final Duration DEFAULT_DECAY = Duration.ofSeconds(1);

    ArenaRetention {
        if (maxArenas < 0) {
            throw new IllegalArgumentException("maxArenas must not be negative: " + maxArenas);
        }
        if (decayNanos < 0) {
            throw new IllegalArgumentException("decay must not be negative: " + decayNanos + " ns");
        }
    }

    /** The default: as many as emptied, each for {@link #DEFAULT_DECAY}. */
    static ArenaRetention defaults() {
        return decaying(DEFAULT_DECAY);
    }

    /** As many as emptied, each for {@code decay}. */
    static ArenaRetention decaying(Duration decay) {
        return new ArenaRetention(Integer.MAX_VALUE, nanos(decay));
    }

    /** At most {@code count}, until reused (the fixed reserve of spare arenas). */
    static ArenaRetention spares(int count) {
        return new ArenaRetention(count, Long.MAX_VALUE);
    }

    private static long nanos(Duration decay) {
        if (decay.isNegative()) {
            throw new IllegalArgumentException("arena decay must not be negative: " + decay);
        }
        try {
            return decay.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }
}
