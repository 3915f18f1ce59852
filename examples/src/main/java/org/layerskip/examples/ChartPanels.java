package org.layerskip.examples;

import org.knowm.xchart.internal.chartpart.Chart;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;

/** Paints several XChart charts side by side into one image (XChart saves one chart per file). */
final class ChartPanels {

    private ChartPanels() {}

    /**
     * Paints the charts left to right, each {@code w × h} pixels.
     *
     * @param w width of one panel
     * @param h height
     * @param charts the panels, in order
     * @return an RGB image of {@code charts.length · w × h}
     */
    static BufferedImage sideBySide(int w, int h, Chart<?, ?>... charts) {
        BufferedImage image = new BufferedImage(charts.length * w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            for (Chart<?, ?> chart : charts) {
                chart.paint(g, w, h);
                g.translate(w, 0);
            }
        } finally {
            g.dispose();
        }
        return image;
    }
}
