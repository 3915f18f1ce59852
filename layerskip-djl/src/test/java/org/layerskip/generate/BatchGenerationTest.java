package org.layerskip.generate;

import ai.djl.ndarray.NDManager;

import org.layerskip.nn.LlamaModel;
import org.layerskip.nn.TinyModels;
import org.testng.Assert;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.util.List;

/** A batch of prompts of different lengths gives each row exactly its single-prompt result. */
public class BatchGenerationTest {

    private NDManager manager;
    private Generator generator;

    private static final long[][] PROMPTS = {
        {1, 5, 9, 33, 60, 2, 11}, {1}, {1, 44, 3}, {1, 8, 8, 8}
    };

    @BeforeClass
    public void setUp() {
        manager = NDManager.newBaseManager();
        LlamaModel model = TinyModels.random(manager, TinyModels.config(4, false), 21);
        generator = new Generator(model);
    }

    @AfterClass
    public void tearDown() {
        manager.close();
    }

    private void assertRowsMatchSingles(GenerationOptions o) {
        List<GenerationResult> batch = generator.generateBatch(PROMPTS, o, null);
        Assert.assertEquals(batch.size(), PROMPTS.length);
        for (int r = 0; r < PROMPTS.length; r++) {
            GenerationResult single = generator.generate(PROMPTS[r], o, null);
            Assert.assertEquals(
                    batch.get(r).tokenIds(), single.tokenIds(), "row " + r + " " + o.strategy());
            Assert.assertEquals(batch.get(r).finishReason(), single.finishReason());
            if (single.speculation() != null) {
                Assert.assertEquals(
                        batch.get(r).speculation().accepted(), single.speculation().accepted());
                Assert.assertEquals(
                        batch.get(r).speculation().drafted(), single.speculation().drafted());
            }
        }
    }

    @Test
    public void greedyBatchesEqualSingleRuns() {
        GenerationOptions base =
                GenerationOptions.builder().optMaxNewTokens(17).optEosTokenIds(List.of()).build();
        assertRowsMatchSingles(base);
        assertRowsMatchSingles(
                base.toBuilder().optStrategy(DecodingStrategy.EARLY_EXIT).optExitLayer(2).build());
        for (int e = 1; e <= 3; e++) {
            assertRowsMatchSingles(
                    base.toBuilder()
                            .optStrategy(DecodingStrategy.SELF_SPECULATIVE)
                            .optExitLayer(e)
                            .optNumSpeculations(3)
                            .build());
        }
    }

    @Test
    public void batchRowsStopIndependently() {
        // make row 1's 3rd token an EOS id: that row stops early, the others continue
        GenerationOptions free =
                GenerationOptions.builder().optMaxNewTokens(15).optEosTokenIds(List.of()).build();
        long eos = generator.generate(PROMPTS[1], free, null).tokenIds()[2];
        GenerationOptions o =
                free.toBuilder()
                        .optEosTokenIds(List.of(eos))
                        .optStrategy(DecodingStrategy.SELF_SPECULATIVE)
                        .optExitLayer(2)
                        .optNumSpeculations(4)
                        .build();
        assertRowsMatchSingles(o);
        assertRowsMatchSingles(o.toBuilder().optStrategy(DecodingStrategy.AUTOREGRESSIVE).build());
    }

    @Test
    public void sampledBatchesEqualSingleRuns() {
        GenerationOptions o =
                GenerationOptions.builder()
                        .optMaxNewTokens(12)
                        .optTemperature(0.8)
                        .optTopK(20)
                        .optSeed(3)
                        .optEosTokenIds(List.of())
                        .build();
        assertRowsMatchSingles(o);
        assertRowsMatchSingles(
                o.toBuilder()
                        .optStrategy(DecodingStrategy.SELF_SPECULATIVE)
                        .optExitLayer(2)
                        .optNumSpeculations(3)
                        .build());
    }
}
