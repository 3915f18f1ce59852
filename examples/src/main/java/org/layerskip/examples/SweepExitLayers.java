package org.layerskip.examples;

import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.ZooModel;

import org.layerskip.generate.GenerationResult;
import org.layerskip.nn.LlamaModel;
import org.layerskip.translate.GenerationBlock;
import org.layerskip.translate.GenerationRequest;
import org.layerskip.translate.GenerationResponse;

import java.util.ArrayList;
import java.util.List;

/**
 * Sweeps the exit layer E (and draft lengths d) of self-speculative decoding, like the LayerSkip
 * repository's {@code sweep.py}: acceptance rate and tokens per second per (E, d).
 *
 * <pre>
 * SweepExitLayers --model tiny-layerskip --max-new-tokens 32 --draft-lengths 2,4,6
 * </pre>
 */
public final class SweepExitLayers {

    /**
     * One sweep point.
     *
     * @param exitLayer E
     * @param numSpeculations d
     * @param acceptanceRate accepted / drafted
     * @param tokensPerSecond generated tokens / wall time
     */
    public record Point(
            int exitLayer, int numSpeculations, double acceptanceRate, double tokensPerSecond) {}

    /**
     * All points.
     *
     * @param numLayers L of the model
     * @param points one per (E, d), E ascending
     */
    public record Result(int numLayers, List<Point> points) {}

    private SweepExitLayers() {}

    /**
     * Runs the example and prints a table.
     *
     * @param args see the class comment
     * @throws Exception on failure
     */
    public static void main(String... args) throws Exception {
        Result r = runExample(args);
        System.out.printf("L = %d%n%4s %4s %8s %9s%n", r.numLayers(), "E", "d", "accept", "tok/s");
        for (Point p : r.points()) {
            System.out.printf(
                    "%4d %4d %8.2f %9.1f%n",
                    p.exitLayer(), p.numSpeculations(), p.acceptanceRate(), p.tokensPerSecond());
        }
    }

    /**
     * Runs the example.
     *
     * @param args {@code --model}, {@code --max-new-tokens}, {@code --draft-lengths} (comma list)
     * @return the sweep
     * @throws Exception on failure
     */
    public static Result runExample(String... args) throws Exception {
        ExampleArgs a = new ExampleArgs(args);
        List<Point> points = new ArrayList<>();
        try (ZooModel<GenerationRequest, GenerationResponse> model =
                        a.criteria().build().loadModel();
                Predictor<GenerationRequest, GenerationResponse> p = model.newPredictor()) {
            LlamaModel llama = ((GenerationBlock) model.getBlock()).getModel();
            int layers = llama.numLayers();
            for (int e = 1; e < layers; e++) {
                for (String ds : a.get("draft-lengths", "2,4,6").split(",")) {
                    int d = Integer.parseInt(ds.trim());
                    long tokens = 0;
                    long nanos = 0;
                    long drafted = 0;
                    long accepted = 0;
                    for (String prompt : BenchmarkStrategies.PROMPTS) {
                        GenerationResult r =
                                p.predict(
                                                GenerationRequest.ofText(prompt)
                                                        .with("strategy", "self-speculative")
                                                        .with("exitLayer", e)
                                                        .with("numSpeculations", d)
                                                        .with(
                                                                "maxNewTokens",
                                                                a.getInt("max-new-tokens", 32)))
                                        .result();
                        tokens += r.numGenerated();
                        nanos += r.prefillNanos() + r.decodeNanos();
                        drafted += r.speculation().drafted();
                        accepted += r.speculation().accepted();
                    }
                    points.add(
                            new Point(
                                    e,
                                    d,
                                    drafted == 0 ? 0 : (double) accepted / drafted,
                                    nanos == 0 ? 0 : tokens / (nanos / 1e9)));
                }
            }
            return new Result(layers, points);
        }
    }
}
