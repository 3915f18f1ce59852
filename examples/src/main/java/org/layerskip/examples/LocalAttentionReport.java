package org.layerskip.examples;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import javax.imageio.ImageIO;

/**
 * Writes the outputs of {@link LocalAttentionTraining}: {@code summary.json}, {@code buckets.csv}
 * (perplexity per position bucket), {@code position-nll.csv} (mean loss per position) and {@code
 * position-perplexity.png} (perplexity vs position, and training tokens/s).
 */
final class LocalAttentionReport {

    /** Positions averaged into one point of the plotted curve. */
    private static final int BIN = 16;

    private LocalAttentionReport() {}

    /**
     * Writes every output file.
     *
     * @param r the result
     * @throws IOException if a file cannot be written
     */
    static void write(LocalAttentionTraining.Result r) throws IOException {
        int window = r.window();
        Path out = r.outDir();
        Files.createDirectories(out);
        try (PrintWriter w = writer(out.resolve("buckets.csv"))) {
            w.println("variant,from,to,tokens,perplexity,train_tokens_per_second");
            for (LocalAttentionTraining.Variant v : r.variants()) {
                for (PositionPerplexity.Bucket b : v.buckets()) {
                    w.printf(
                            Locale.ROOT,
                            "%s,%d,%d,%d,%.3f,%.1f%n",
                            v.name(),
                            b.from(),
                            b.to(),
                            b.tokens(),
                            b.perplexity(),
                            v.tokensPerSecond());
                }
            }
        }
        try (PrintWriter w = writer(out.resolve("position-nll.csv"))) {
            w.print("position");
            r.variants().forEach(v -> w.print("," + v.name()));
            w.println();
            int t = r.variants().get(0).meanNll().length;
            for (int j = 0; j < t; j++) {
                w.print(j);
                for (LocalAttentionTraining.Variant v : r.variants()) {
                    w.printf(Locale.ROOT, ",%.5f", v.meanNll()[j]);
                }
                w.println();
            }
        }
        Files.writeString(out.resolve("summary.json"), summary(r, window), StandardCharsets.UTF_8);
        plot(r, window, out.resolve("position-perplexity.png"));
    }

    /**
     * A Markdown table: one row per variant, perplexity per position bucket and at block edges /
     * inside blocks, training tokens/s.
     *
     * @param r the result
     * @return the table
     */
    static String markdownTable(LocalAttentionTraining.Result r) {
        int window = r.window();
        StringBuilder s = new StringBuilder("| variant |");
        List<PositionPerplexity.Bucket> first = r.variants().get(0).buckets();
        for (int i = 0; i < first.size(); i++) {
            PositionPerplexity.Bucket b = first.get(i);
            boolean all = i == first.size() - 1;
            s.append(all ? " all positions |" : " " + b.from() + "–" + (b.to() - 1) + " |");
        }
        int edge = Math.max(1, window / 8);
        s.append(
                String.format(
                        Locale.ROOT,
                        " ≥%d, block offset <%d | ≥%d, offset ≥%d |",
                        window,
                        edge,
                        window,
                        edge));
        s.append(" train tokens/s | median step tokens/s | final loss |\n|---|");
        s.append("---|".repeat(first.size() + 5)).append('\n');
        for (LocalAttentionTraining.Variant v : r.variants()) {
            s.append("| ").append(label(v)).append(" |");
            for (PositionPerplexity.Bucket b : v.buckets()) {
                s.append(String.format(Locale.ROOT, " %.2f |", b.perplexity()));
            }
            double[] edges = PositionPerplexity.blockEdges(v.meanNll(), window);
            s.append(String.format(Locale.ROOT, " %.2f | %.2f |", edges[0], edges[1]));
            s.append(
                    String.format(
                            Locale.ROOT,
                            " %.0f | %.0f | %.3f |%n",
                            v.tokensPerSecond(),
                            v.medianStepTokensPerSecond(),
                            v.finalLoss()));
        }
        return s.toString();
    }

    private static String label(LocalAttentionTraining.Variant v) {
        return switch (v.attention().kind()) {
            case FULL -> "full";
            case SLIDING -> "sliding W=" + v.attention().size();
            case CHUNKED -> "block B=" + v.attention().size();
        };
    }

    private static String summary(LocalAttentionTraining.Result r, int window) {
        JsonObject o = new JsonObject();
        o.addProperty("settings", r.settings());
        o.addProperty("train_windows", r.trainWindows());
        o.addProperty("heldout_windows", r.heldoutWindows());
        o.addProperty("heldout_files", String.join(", ", r.heldoutFiles()));
        o.addProperty("train_tokens_per_variant", r.tokensPerVariant());
        JsonArray vs = new JsonArray();
        for (LocalAttentionTraining.Variant v : r.variants()) {
            JsonObject j = new JsonObject();
            j.addProperty("variant", label(v));
            j.addProperty("init_checksum", v.initChecksum());
            j.addProperty("first_loss", v.firstLoss());
            j.addProperty("final_loss", v.finalLoss());
            j.addProperty("train_tokens_per_second", v.tokensPerSecond());
            j.addProperty("median_step_tokens_per_second", v.medianStepTokensPerSecond());
            j.addProperty("train_seconds", v.trainSeconds());
            j.addProperty("load_average_mean", v.loadAverage()[0]);
            j.addProperty("load_average_max", v.loadAverage()[1]);
            JsonObject b = new JsonObject();
            for (PositionPerplexity.Bucket x : v.buckets()) {
                b.addProperty(x.from() + "-" + (x.to() - 1), x.perplexity());
            }
            j.add("perplexity_by_position", b);
            double[] edges = PositionPerplexity.blockEdges(v.meanNll(), window);
            j.addProperty("perplexity_block_edges", edges[0]);
            j.addProperty("perplexity_block_interiors", edges[1]);
            vs.add(j);
        }
        o.add("variants", vs);
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(o);
    }

    private static void plot(LocalAttentionTraining.Result r, int window, Path png)
            throws IOException {
        int w = 560;
        int h = 420;
        String x = "position in the window (bins of " + BIN + ")";
        XYChart ppl = xyChart("Held-out perplexity by position", x, "perplexity", w, h);
        LocalAttentionTraining.Variant ref = r.variants().get(0);
        String ratioTitle = "Perplexity / " + label(ref) + " (W = B = " + window + ")";
        XYChart ratio = xyChart(ratioTitle, x, "ratio", w, h);
        CategoryChart speed =
                new CategoryChartBuilder()
                        .width(w)
                        .height(h)
                        .title("Training throughput (1 thread, same budget)")
                        .yAxisTitle("tokens/s")
                        .build();
        speed.getStyler().setChartBackgroundColor(Color.WHITE);
        speed.getStyler().setLegendVisible(false);
        double[] base = binned(ref.meanNll());
        for (LocalAttentionTraining.Variant v : r.variants()) {
            double[] y = binned(v.meanNll());
            double[] pos = new double[y.length];
            double[] rel = new double[y.length];
            for (int i = 0; i < y.length; i++) {
                pos[i] = i * BIN;
                rel[i] = y[i] / base[i];
            }
            ppl.addSeries(label(v), pos, y).setMarker(SeriesMarkers.CIRCLE);
            ratio.addSeries(label(v), pos, rel).setMarker(SeriesMarkers.CIRCLE);
        }
        speed.addSeries(
                "tokens/s",
                r.variants().stream().map(LocalAttentionReport::label).toList(),
                r.variants().stream().map(v -> (Number) v.tokensPerSecond()).toList());
        BufferedImage image = ChartPanels.sideBySide(w, h, ppl, ratio, speed);
        ImageIO.write(image, "png", png.toFile());
    }

    /** Perplexity of each bin of {@link #BIN} positions. */
    private static double[] binned(double[] nll) {
        double[] y = new double[nll.length / BIN];
        for (int i = 0; i < y.length; i++) {
            double s = 0;
            for (int j = i * BIN; j < (i + 1) * BIN; j++) {
                s += nll[j];
            }
            y[i] = Math.exp(s / BIN);
        }
        return y;
    }

    private static XYChart xyChart(String title, String x, String y, int w, int h) {
        XYChart c =
                new XYChartBuilder()
                        .width(w)
                        .height(h)
                        .title(title)
                        .xAxisTitle(x)
                        .yAxisTitle(y)
                        .build();
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setMarkerSize(4);
        c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        c.getStyler().setDecimalPattern("#,##0.##");
        return c;
    }

    private static PrintWriter writer(Path p) throws IOException {
        return new PrintWriter(Files.newBufferedWriter(p, StandardCharsets.UTF_8));
    }
}
