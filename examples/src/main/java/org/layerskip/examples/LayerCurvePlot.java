package org.layerskip.examples;

import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.layerskip.train.LayerMetrics;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.imageio.ImageIO;

/**
 * Plots per-exit-layer curves of models side by side into one PNG: perplexity (log scale) vs layer,
 * and next-token accuracy vs layer (the shape of LayerSkip's Tables 1–2 / Fig. 1).
 */
public final class LayerCurvePlot {

    private LayerCurvePlot() {}

    /**
     * Writes the two charts for two models.
     *
     * @param png the output file
     * @param nameA the first model's label
     * @param a its metrics
     * @param nameB the second model's label
     * @param b its metrics
     * @throws IOException if the file cannot be written
     */
    public static void save(Path png, String nameA, LayerMetrics a, String nameB, LayerMetrics b)
            throws IOException {
        Map<String, LayerMetrics> models = new LinkedHashMap<>();
        models.put(nameA, a);
        models.put(nameB, b);
        save(png, models);
    }

    /**
     * Writes the two charts for any number of models.
     *
     * @param png the output file
     * @param models label to metrics, in legend order
     * @throws IOException if the file cannot be written
     */
    public static void save(Path png, Map<String, LayerMetrics> models) throws IOException {
        BufferedImage image = render(models);
        Path parent = png.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        ImageIO.write(image, "png", png.toFile());
    }

    /**
     * Draws the two charts for any number of models (a notebook can display the image inline).
     *
     * @param models label to metrics, in legend order
     * @return a 1280 x 440 RGB image
     */
    public static BufferedImage render(Map<String, LayerMetrics> models) {
        int w = 640;
        int h = 440;
        XYChart ppl = chart("Held-out perplexity by exit layer", "perplexity (log)", w, h);
        ppl.getStyler().setYAxisLogarithmic(true);
        ppl.getStyler()
                .setYAxisLogarithmicDecadeOnly(false); // labelled ticks inside one decade too
        XYChart acc = chart("Next-token accuracy by exit layer", "accuracy", w, h);
        for (Map.Entry<String, LayerMetrics> e : models.entrySet()) {
            LayerMetrics m = e.getValue();
            double[] x = Arrays.stream(m.layers()).asDoubleStream().toArray();
            ppl.addSeries(e.getKey(), x, m.perplexity()).setMarker(SeriesMarkers.CIRCLE);
            acc.addSeries(e.getKey(), x, m.accuracy()).setMarker(SeriesMarkers.CIRCLE);
        }
        return ChartPanels.sideBySide(w, h, ppl, acc);
    }

    private static XYChart chart(String title, String yTitle, int w, int h) {
        XYChart c =
                new XYChartBuilder()
                        .width(w)
                        .height(h)
                        .title(title)
                        .xAxisTitle("exit layer")
                        .yAxisTitle(yTitle)
                        .build();
        c.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        c.getStyler().setDecimalPattern("#,##0.##");
        return c;
    }
}
