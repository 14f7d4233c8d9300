package org.jpymalloc.bench.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.Consumer;

/** A one-line progress bar on standard error, redrawn at most five times a second. */
final class ProgressBar implements Consumer<Double> {

    private static final int WIDTH = 30;

    private final String label;
    private final PrintWriter err;
    private final boolean enabled;
    private long lastDraw;
    private boolean drawn;

    ProgressBar(String label, PrintWriter err, boolean enabled) {
        this.label = label;
        this.err = err;
        this.enabled = enabled;
    }

    @Override
    public void accept(Double fraction) {
        long now = System.nanoTime();
        if (!enabled || (drawn && now - lastDraw < 200_000_000L && fraction < 1.0)) {
            return;
        }
        lastDraw = now;
        drawn = true;
        int filled = (int) Math.round(Math.min(1, Math.max(0, fraction)) * WIDTH);
        err.printf(Locale.ROOT, "\r%-34s [%s%s] %3.0f%%", label, "#".repeat(filled), " ".repeat(WIDTH - filled),
                100 * fraction);
        err.flush();
    }

    void finish() {
        if (drawn) {
            err.print("\r" + " ".repeat(34 + WIDTH + 8) + "\r");
            err.flush();
        }
    }
}
