package org.layerskip.examples;

import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.ZooModel;

import org.layerskip.generate.SpeculationStats;
import org.layerskip.translate.GenerationRequest;
import org.layerskip.translate.GenerationResponse;

/**
 * Generates text self-speculatively through {@code Criteria → ZooModel → Predictor}.
 *
 * <pre>
 * GenerateText --model tiny-layerskip --prompt "the cat" --max-new-tokens 32 [--exit-layer E --num-speculations d]
 * </pre>
 */
public final class GenerateText {

    /**
     * What the example produced.
     *
     * @param text generated text
     * @param tokenIds generated ids
     * @param drafted draft tokens proposed
     * @param accepted draft tokens accepted
     * @param timeMs wall time
     * @param tokensPerSecond decode throughput
     */
    public record Result(
            String text,
            long[] tokenIds,
            long drafted,
            long accepted,
            double timeMs,
            double tokensPerSecond) {}

    private GenerateText() {}

    /**
     * Runs the example and prints the result.
     *
     * @param args see the class comment
     * @throws Exception on failure
     */
    public static void main(String... args) throws Exception {
        Result r = runExample(args);
        System.out.println(r.text());
        System.out.printf(
                "%d tokens, %d/%d drafts accepted, %.1f ms, %.1f tok/s%n",
                r.tokenIds().length, r.accepted(), r.drafted(), r.timeMs(), r.tokensPerSecond());
    }

    /**
     * Runs the example.
     *
     * @param args see the class comment
     * @return the result
     * @throws Exception on failure
     */
    public static Result runExample(String... args) throws Exception {
        ExampleArgs a = new ExampleArgs(args);
        GenerationRequest req =
                GenerationRequest.ofText(a.get("prompt", "the cat sat on the mat"))
                        .with("strategy", a.get("strategy", "self-speculative"))
                        .with("maxNewTokens", a.getInt("max-new-tokens", 32));
        if (a.getInt("exit-layer", 0) > 0) {
            req = req.with("exitLayer", a.getInt("exit-layer", 0));
        }
        if (a.getInt("num-speculations", 0) > 0) {
            req = req.with("numSpeculations", a.getInt("num-speculations", 0));
        }
        try (ZooModel<GenerationRequest, GenerationResponse> model =
                        a.criteria().build().loadModel();
                Predictor<GenerationRequest, GenerationResponse> p = model.newPredictor()) {
            GenerationResponse r = p.predict(req);
            SpeculationStats s = r.speculation();
            return new Result(
                    r.text(),
                    r.tokenIds(),
                    s == null ? 0 : s.drafted(),
                    s == null ? 0 : s.accepted(),
                    r.result().timeMs(),
                    r.result().tokensPerSecond());
        }
    }
}
