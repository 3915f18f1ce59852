package org.layerskip.examples;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.NormalInitializer;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.layerskip.config.LayerAttention;
import org.layerskip.config.LlamaConfig;
import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.GenerationResult;
import org.layerskip.generate.Generator;
import org.layerskip.nn.LlamaModel;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Generation memory and speed versus context length for full, sliding-window and disjoint-block
 * attention in the same decoder (random weights: the costs do not depend on the values). Writes a
 * CSV and a two-panel PNG.
 *
 * <pre>
 * java ... org.layerskip.examples.LocalAttentionScaling --lengths 256,512,1024,2048 --window 128 \
 *     --out build-out/local-attention
 * </pre>
 */
public final class LocalAttentionScaling {

    /**
     * One measurement.
     *
     * @param attention "full", "sliding W" or "block B"
     * @param contextLength prompt + generated tokens
     * @param kvCacheBytes bytes of all KV caches
     * @param tokensPerSecond decode throughput
     */
    public record Point(
            String attention, int contextLength, long kvCacheBytes, double tokensPerSecond) {}

    private LocalAttentionScaling() {}

    /**
     * Runs from the command line.
     *
     * @param args {@code --lengths}, {@code --window}, {@code --dim}, {@code --layers}, {@code
     *     --out}
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        for (Point p : runExample(args)) {
            System.out.printf(
                    Locale.ROOT,
                    "%-12s %6d tokens  KV %8.2f MiB  %7.1f tokens/s%n",
                    p.attention(),
                    p.contextLength(),
                    p.kvCacheBytes() / 1048576.0,
                    p.tokensPerSecond());
        }
    }

    /**
     * Measures every variant at every length.
     *
     * @param args see {@link #main}
     * @return the points
     * @throws IOException if the outputs cannot be written
     */
    public static List<Point> runExample(String... args) throws IOException {
        ExampleArgs a = new ExampleArgs(args);
        int[] lengths =
                Arrays.stream(a.get("lengths", "256,512,1024,2048").split(","))
                        .mapToInt(Integer::parseInt)
                        .toArray();
        int window = a.getInt("window", 128);
        int dim = a.getInt("dim", 288);
        int layers = a.getInt("layers", 6);
        Path out = Paths.get(a.get("out", "build-out/local-attention"));
        int maxLen = Arrays.stream(lengths).max().orElse(256);
        Map<String, LayerAttention> variants = new LinkedHashMap<>();
        variants.put("full", LayerAttention.FULL);
        variants.put("sliding " + window, LayerAttention.sliding(window));
        variants.put("block " + window, LayerAttention.chunked(window));
        List<Point> points = new ArrayList<>();
        long[] prompt = new long[16];
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = 1 + 37L * i % 31999;
        }
        for (Map.Entry<String, LayerAttention> v : variants.entrySet()) {
            LlamaConfig c =
                    LlamaConfig.builder()
                            .setVocabSize(32000)
                            .setHiddenSize(dim)
                            .setIntermediateSize(dim * 8 / 3)
                            .setNumLayers(layers)
                            .setNumHeads(dim / 48)
                            .optHeadDim(48)
                            .optRmsNormEps(1e-5)
                            .optMaxPositionEmbeddings(maxLen + prompt.length)
                            .optBosTokenId(1)
                            .optLayerAttention(List.of(v.getValue()))
                            .build();
            try (NDManager manager = NDManager.newBaseManager()) {
                LlamaModel model = LlamaModel.builder().setConfig(c).build();
                model.setInitializer(new NormalInitializer(0.02f), Parameter.Type.WEIGHT);
                model.initialize(manager, DataType.FLOAT32, new Shape(1, 1));
                model.freezeParameters(true);
                Generator g = new Generator(model);
                g.generate(prompt, GenerationOptions.builder().optMaxNewTokens(32).build(), null);
                for (int len : lengths) {
                    GenerationResult r =
                            g.generate(
                                    prompt,
                                    GenerationOptions.builder()
                                            .optMaxNewTokens(len - prompt.length)
                                            .optEosTokenIds(List.of())
                                            .build(),
                                    null);
                    points.add(new Point(v.getKey(), len, r.kvCacheBytes(), r.tokensPerSecond()));
                }
            }
        }
        write(points, out);
        return points;
    }

    private static void write(List<Point> points, Path out) throws IOException {
        Files.createDirectories(out);
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out.resolve("scaling.csv")))) {
            w.println("attention,context_length,kv_cache_bytes,tokens_per_second");
            for (Point p : points) {
                w.printf(
                        Locale.ROOT,
                        "%s,%d,%d,%.2f%n",
                        p.attention(),
                        p.contextLength(),
                        p.kvCacheBytes(),
                        p.tokensPerSecond());
            }
        }
        XYChart mem = chart("KV cache vs context length", "KV cache (MiB)");
        XYChart speed = chart("Decode speed vs context length", "tokens/s");
        for (String name : points.stream().map(Point::attention).distinct().toList()) {
            List<Point> s = points.stream().filter(p -> p.attention().equals(name)).toList();
            double[] x = s.stream().mapToDouble(Point::contextLength).toArray();
            mem.addSeries(
                    name, x, s.stream().mapToDouble(p -> p.kvCacheBytes() / 1048576.0).toArray());
            speed.addSeries(name, x, s.stream().mapToDouble(Point::tokensPerSecond).toArray());
        }
        BitmapEncoder.saveBitmap(
                mem, out.resolve("kv-memory").toString(), BitmapEncoder.BitmapFormat.PNG);
        BitmapEncoder.saveBitmap(
                speed, out.resolve("decode-speed").toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static XYChart chart(String title, String y) {
        XYChart c =
                new XYChartBuilder()
                        .width(640)
                        .height(400)
                        .title(title)
                        .xAxisTitle("context length (tokens)")
                        .yAxisTitle(y)
                        .build();
        c.getStyler().setXAxisLogarithmic(true);
        return c;
    }
}
