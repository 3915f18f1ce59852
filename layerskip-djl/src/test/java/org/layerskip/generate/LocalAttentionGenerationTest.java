package org.layerskip.generate;

import ai.djl.ndarray.NDManager;

import org.layerskip.config.LayerAttention;
import org.layerskip.nn.LlamaModel;
import org.layerskip.nn.TinyModels;
import org.testng.Assert;
import org.testng.annotations.Test;

import java.util.List;

/**
 * Greedy self-speculation equals autoregressive decoding with sliding-window and chunked layers.
 */
public class LocalAttentionGenerationTest {

    @Test
    public void selfSpeculationStaysExactWithLocalAttention() {
        for (List<LayerAttention> kinds :
                List.of(
                        List.of(LayerAttention.sliding(4)),
                        List.of(LayerAttention.chunked(5)),
                        List.of(
                                LayerAttention.chunked(5),
                                LayerAttention.FULL,
                                LayerAttention.chunked(5),
                                LayerAttention.FULL))) {
            try (NDManager manager = NDManager.newBaseManager()) {
                LlamaModel model =
                        TinyModels.random(
                                manager, TinyModels.config(4, false).withLayerAttention(kinds), 13);
                Generator g = new Generator(model);
                long[][] prompts = {{1, 5, 9, 33, 60, 2, 11, 14, 15, 16, 70, 3}, {1, 4}};
                GenerationOptions base =
                        GenerationOptions.builder()
                                .optMaxNewTokens(26)
                                .optEosTokenIds(List.of())
                                .build();
                List<GenerationResult> expected = g.generateBatch(prompts, base, null);
                for (int r = 0; r < prompts.length; r++) {
                    Assert.assertEquals(
                            g.generate(prompts[r], base, null).tokenIds(),
                            expected.get(r).tokenIds());
                }
                for (int e = 1; e < 4; e++) {
                    for (int d : new int[] {1, 3, 6}) {
                        List<GenerationResult> s =
                                g.generateBatch(
                                        prompts,
                                        base.toBuilder()
                                                .optStrategy(DecodingStrategy.SELF_SPECULATIVE)
                                                .optExitLayer(e)
                                                .optNumSpeculations(d)
                                                .build(),
                                        null);
                        for (int r = 0; r < prompts.length; r++) {
                            Assert.assertEquals(
                                    s.get(r).tokenIds(),
                                    expected.get(r).tokenIds(),
                                    kinds + " E=" + e + " d=" + d + " row " + r);
                        }
                    }
                }
            }
        }
    }
}
