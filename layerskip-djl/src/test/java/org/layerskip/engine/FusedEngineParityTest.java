package org.layerskip.engine;

import ai.djl.ndarray.NDManager;

import org.layerskip.generate.DecodingStrategy;
import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.GenerationResult;
import org.layerskip.generate.Generator;
import org.layerskip.nn.LlamaModel;
import org.layerskip.nn.TinyModels;
import org.testng.Assert;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.util.Arrays;

/** The fused engine gives the per-op path's tokens, strategy by strategy. */
public class FusedEngineParityTest {

    private NDManager manager;
    private LlamaModel model;
    private Generator generator;

    @BeforeClass
    public void setUp() {
        manager = NDManager.newBaseManager();
        model = TinyModels.random(manager, TinyModels.config(4, false), 11);
        generator = new Generator(model);
    }

    @AfterClass(alwaysRun = true)
    public void tearDown() {
        manager.close();
    }

    @Test
    public void fusedEngineLoads() {
        Assert.assertNull(FusedEngine.support(model));
        Assert.assertEquals(Engines.of(model, EngineKind.FUSED).kind(), EngineKind.FUSED);
    }

    @Test
    public void greedyTokensMatchEveryStrategy() {
        long[] prompt = {1, 5, 9, 14, 3};
        for (DecodingStrategy s : DecodingStrategy.values()) {
            for (int e = 1; e < model.numLayers(); e++) {
                GenerationOptions.Builder b =
                        GenerationOptions.builder()
                                .optMaxNewTokens(20)
                                .optStrategy(s)
                                .optExitLayer(e)
                                .optNumSpeculations(3)
                                .optEosTokenIds(java.util.List.of());
                GenerationResult ops = generator.generate(prompt, b.optEngine(EngineKind.OPS).build(), null);
                GenerationResult fused = generator.generate(prompt, b.optEngine(EngineKind.FUSED).build(), null);
                Assert.assertEquals(
                        fused.tokenIds(), ops.tokenIds(), s + " E=" + e + ": " + Arrays.toString(fused.tokenIds()));
                if (s == DecodingStrategy.SELF_SPECULATIVE) {
                    Assert.assertEquals(fused.speculation().accepted(), ops.speculation().accepted());
                }
            }
        }
    }
}
