package org.layerskip.examples;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import org.layerskip.io.HfLlama;
import org.layerskip.nn.LlamaModel;
import org.layerskip.tokenizer.LlamaTokenizer;
import org.layerskip.train.LayerEvaluator;
import org.layerskip.train.LayerMetrics;
import org.layerskip.train.TokenSequences;
import org.layerskip.zoo.BundledModels;
import org.layerskip.zoo.LayerSkipModels;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Evaluates every exit layer of several models on the same held-out text — perplexity and
 * next-token accuracy, LayerSkip's Tables 1–2 — and plots the curves side by side. With the
 * defaults it compares the bundled {@code tiny-layerskip} with its twin {@code tiny-baseline},
 * trained identically but without layer dropout and early-exit loss.
 *
 * <pre>
 * EvaluateLayers [--models tiny-layerskip,tiny-baseline] [--data FILE] [--max-chars N]
 *                [--seq-len 128] [--batch 8] [--plot build-out/evaluate-layers.png]
 * </pre>
 *
 * <p>{@code --data} defaults to the held-out split bundled with the tiny models; {@code
 * --max-chars} keeps only its beginning (for a quick run).
 */
public final class EvaluateLayers {

    /**
     * What the example measured.
     *
     * @param metrics per-layer metrics by model, in the order given
     * @param plot the PNG with both charts
     */
    public record Result(Map<String, LayerMetrics> metrics, Path plot) {}

    private EvaluateLayers() {}

    /**
     * Runs the example and prints one table per model.
     *
     * @param args see the class comment
     * @throws Exception on failure
     */
    public static void main(String... args) throws Exception {
        Result r = runExample(args);
        for (Map.Entry<String, LayerMetrics> e : r.metrics().entrySet()) {
            System.out.printf(
                    "%s (%d tokens)%n%s%n",
                    e.getKey(), e.getValue().tokens(), e.getValue().toTable());
        }
        System.out.println("plot: " + r.plot());
    }

    /**
     * Runs the example.
     *
     * @param args see the class comment
     * @return the metrics and the plot
     * @throws Exception on failure
     */
    public static Result runExample(String... args) throws Exception {
        ExampleArgs a = new ExampleArgs(args);
        String text =
                a.get("data", null) == null
                        ? BundledModels.heldoutText()
                                .orElseThrow(
                                        () ->
                                                new IllegalStateException(
                                                        "no bundled heldout.txt; give --data"))
                        : Files.readString(Path.of(a.get("data", null)), StandardCharsets.UTF_8);
        int maxChars = a.getInt("max-chars", 0);
        if (maxChars > 0 && text.length() > maxChars) {
            text = text.substring(0, maxChars);
        }
        int seqLen = a.getInt("seq-len", 128);
        int batch = a.getInt("batch", 8);
        Map<String, LayerMetrics> metrics = new LinkedHashMap<>();
        for (String id : a.get("models", "tiny-layerskip,tiny-baseline").split(",")) {
            Path dir = LayerSkipModels.resolve(id.strip());
            try (NDManager manager = NDManager.newBaseManager();
                    LlamaTokenizer tokenizer = LlamaTokenizer.load(dir)) {
                LlamaModel model = HfLlama.load(dir, manager, DataType.FLOAT32);
                // one document, cut into windows of seqLen + 1 tokens: read seqLen, predict seqLen
                TokenSequences windows =
                        TokenSequences.pack(tokenizer, List.of(text), seqLen + 1, 0);
                metrics.put(id.strip(), LayerEvaluator.evaluate(model, windows, batch));
            }
        }
        Path plot = Path.of(a.get("plot", "build-out/evaluate-layers.png"));
        LayerCurvePlot.save(plot, metrics);
        return new Result(metrics, plot);
    }
}
