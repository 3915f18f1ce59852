package org.layerskip.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

import org.layerskip.generate.DecodingStrategy;
import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.Generator;
import org.layerskip.nn.LlamaModel;
import org.layerskip.nn.TinyModels;
import org.testng.Assert;
import org.testng.annotations.Test;

import java.util.List;
import java.util.function.Function;

/**
 * NaN or infinite weights make a clear error on every path (issue: greedy decoding silently
 * produced token 0 at every step, sampling failed with "token id -1").
 */
public class NonFiniteLogitsTest {

    @Test
    public void nonFiniteWeightsFailClearly() {
        List<Function<LlamaModel, NDArray>> targets =
                List.of(
                        m -> m.getLmHead().getArray(),
                        m -> m.getEmbedding().getArray(),
                        m -> m.getLayer(1).getMlp().getDown().getArray());
        for (int t = 0; t < targets.size(); t++) {
            for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
                try (NDManager manager = NDManager.newBaseManager()) {
                    LlamaModel model = TinyModels.random(manager, TinyModels.config(4, false), 5);
                    NDArray w = targets.get(t).apply(model);
                    // every row, so any token reaches the poisoned weights
                    w.set(new NDIndex(":, 3"), bad);
                    Generator g = new Generator(model);
                    for (EngineKind e : EngineKind.values()) {
                        for (DecodingStrategy s : DecodingStrategy.values()) {
                            for (double temperature : new double[] {0, 0.9}) {
                                GenerationOptions o =
                                        GenerationOptions.builder()
                                                .optStrategy(s)
                                                .optExitLayer(2)
                                                .optEngine(e)
                                                .optTemperature(temperature)
                                                .optMaxNewTokens(8)
                                                .build();
                                String what =
                                        "target "
                                                + t
                                                + " "
                                                + bad
                                                + " "
                                                + e
                                                + " "
                                                + s
                                                + " T="
                                                + temperature;
                                NonFiniteLogitsException x =
                                        Assert.expectThrows(
                                                NonFiniteLogitsException.class,
                                                () -> g.generate(new long[] {1, 2, 3}, o, null));
                                Assert.assertTrue(
                                        x.getMessage().contains("non-finite logits"), what);
                                Assert.assertFalse(x.getMessage().contains("\n"), what);
                            }
                        }
                    }
                }
            }
        }
    }
}
