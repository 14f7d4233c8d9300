package org.jpymalloc.bench.report;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

import javax.imageio.ImageIO;

import org.jpymalloc.ArenaOccupancy;
import org.jpymalloc.bench.replay.OccupancyGrid;

/**
 * An occupancy map drawn with ImageIO: a row per arena (by address), a cell per pool, white when the
 * pool is unused and from pale yellow to dark red as it fills. An arena held by a few blocks shows as a
 * pale row; the legend reads the scale.
 */
final class OccupancyMap {

    private static final int MARGIN = 10;
    private static final int HEADER = 48;
    private static final int MAX_WIDTH = 1200;

    private OccupancyMap() {
    }

    static void write(OccupancyGrid grid, String title, Path file) {
        int columns = Math.max(1, grid.maxPools());
        int rows = Math.max(1, grid.arenaCount());
        int cell = Math.max(2, Math.min(12, (MAX_WIDTH - 2 * MARGIN) / columns));
        int width = Math.max(520, 2 * MARGIN + columns * cell);
        int height = HEADER + MARGIN + rows * cell;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        g.drawString(title + " — " + grid.arenaCount() + " arenas x " + columns + " pools, event " + grid.event(),
                MARGIN, 18);
        legend(g, MARGIN, 26);
        for (int a = 0; a < grid.arenaCount(); a++) {
            for (int p = 0; p < grid.sizeClasses()[a].length; p++) {
                boolean unused = grid.sizeClasses()[a][p] == ArenaOccupancy.UNUSED_POOL;
                g.setColor(unused ? Color.WHITE : colour(grid.fullness()[a][p]));
                int x = MARGIN + p * cell;
                int y = HEADER + a * cell;
                g.fillRect(x, y, cell, cell);
                if (cell >= 4) {
                    g.setColor(new Color(0xDDDDDD));
                    g.drawRect(x, y, cell, cell);
                }
            }
        }
        g.dispose();
        try {
            ImageIO.write(image, "png", file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Pale yellow (almost empty) to dark red (full). */
    static Color colour(double fullness) {
        double f = Math.min(1, Math.max(0, fullness));
        int red = (int) Math.round(255 - 115 * f);
        int green = (int) Math.round(235 * (1 - f));
        int blue = (int) Math.round(150 * (1 - f) * (1 - f));
        return new Color(red, green, blue);
    }

    private static void legend(Graphics2D g, int x, int y) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        g.setColor(Color.BLACK);
        g.drawString("unused", x, y + 11);
        g.drawRect(x + 45, y + 2, 10, 10);
        int at = x + 70;
        for (int i = 0; i <= 10; i++) {
            g.setColor(colour(i / 10.0));
            g.fillRect(at + i * 14, y + 2, 14, 10);
        }
        g.setColor(Color.BLACK);
        g.drawString("0% → 100% of the pool's blocks live", at + 11 * 14 + 8, y + 11);
    }
}
