package org.layerskip.examples;

import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.ZooModel;

import org.layerskip.generate.DecodingStrategy;
import org.layerskip.generate.GenerationResult;
import org.layerskip.translate.GenerationRequest;
import org.layerskip.translate.GenerationResponse;

import java.util.ArrayList;
import java.util.List;

/**
 * Compares autoregressive, early-exit and self-speculative decoding on the same prompts (greedy).
 *
 * <pre>
 * BenchmarkStrategies --model tiny-layerskip --max-new-tokens 64 --repeats 3
 * </pre>
 */
public final class BenchmarkStrategies {

    /**
     * One strategy's totals.
     *
     * @param strategy the strategy
     * @param tokens generated tokens
     * @param timeMs wall time
     * @param tokensPerSecond tokens / time
     * @param acceptanceRate accepted / drafted (self-speculative only)
     * @param speedup tokens/s relative to autoregressive
     */
    public record Row(
            DecodingStrategy strategy,
            long tokens,
            double timeMs,
            double tokensPerSecond,
            double acceptanceRate,
            double speedup) {}

    /**
     * All rows.
     *
     * @param rows one per strategy, autoregressive first
     */
    public record Result(List<Row> rows) {}

    static final String[] PROMPTS = {
        "the cat sat on the mat", "a big red dog ran under the tree", "hello world", "one two three"
    };

    private BenchmarkStrategies() {}

    /**
     * Runs the example and prints a table.
     *
     * @param args see the class comment
     * @throws Exception on failure
     */
    public static void main(String... args) throws Exception {
        System.out.printf(
                "%-17s %7s %9s %9s %7s %7s%n",
                "strategy", "tokens", "ms", "tok/s", "accept", "speedup");
        for (Row r : runExample(args).rows()) {
            System.out.printf(
                    "%-17s %7d %9.1f %9.1f %7.2f %6.2fx%n",
                    r.strategy().cliName(),
                    r.tokens(),
                    r.timeMs(),
                    r.tokensPerSecond(),
                    r.acceptanceRate(),
                    r.speedup());
        }
    }

    /**
     * Runs the example.
     *
     * @param args {@code --model}, {@code --max-new-tokens}, {@code --repeats}, {@code
     *     --exit-layer}, {@code --num-speculations}
     * @return the rows
     * @throws Exception on failure
     */
    public static Result runExample(String... args) throws Exception {
        ExampleArgs a = new ExampleArgs(args);
        int repeats = a.getInt("repeats", 1);
        List<Row> rows = new ArrayList<>();
        try (ZooModel<GenerationRequest, GenerationResponse> model =
                        a.criteria().build().loadModel();
                Predictor<GenerationRequest, GenerationResponse> p = model.newPredictor()) {
            double baseline = 0;
            for (DecodingStrategy s : DecodingStrategy.values()) {
                long tokens = 0;
                long nanos = 0;
                long drafted = 0;
                long accepted = 0;
                for (int rep = 0; rep < repeats; rep++) {
                    for (String prompt : PROMPTS) {
                        GenerationRequest req =
                                GenerationRequest.ofText(prompt)
                                        .with("strategy", s.cliName())
                                        .with("maxNewTokens", a.getInt("max-new-tokens", 32));
                        if (a.getInt("exit-layer", 0) > 0) {
                            req = req.with("exitLayer", a.getInt("exit-layer", 0));
                        }
                        if (a.getInt("num-speculations", 0) > 0) {
                            req = req.with("numSpeculations", a.getInt("num-speculations", 0));
                        }
                        GenerationResult r = p.predict(req).result();
                        tokens += r.numGenerated();
                        nanos += r.prefillNanos() + r.decodeNanos();
                        if (r.speculation() != null) {
                            drafted += r.speculation().drafted();
                            accepted += r.speculation().accepted();
                        }
                    }
                }
                double tps = nanos == 0 ? 0 : tokens / (nanos / 1e9);
                if (s == DecodingStrategy.AUTOREGRESSIVE) {
                    baseline = tps;
                }
                rows.add(
                        new Row(
                                s,
                                tokens,
                                nanos / 1e6,
                                tps,
                                drafted == 0 ? 0 : (double) accepted / drafted,
                                baseline == 0 ? 0 : tps / baseline));
            }
        }
        return new Result(rows);
    }
}
