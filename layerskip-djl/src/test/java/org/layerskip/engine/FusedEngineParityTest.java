package org.layerskip.engine;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import org.layerskip.cache.DecoderState;
import org.layerskip.config.LayerAttention;
import org.layerskip.config.LlamaConfig;
import org.layerskip.generate.DecodingStrategy;
import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.GenerationResult;
import org.layerskip.generate.Generator;
import org.layerskip.io.Fixtures;
import org.layerskip.io.HfLlama;
import org.layerskip.nn.LlamaModel;
import org.layerskip.nn.TinyModels;
import org.testng.Assert;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * The fused engine computes what the per-op reference path computes: logits within 1e-4 (fp32) at
 * every exit, over prefill, cached decoding, rows of different lengths and ring caches; and the
 * same tokens for every strategy, exit layer and draft length, greedy and sampled.
 */
public class FusedEngineParityTest {

    /** Model variants: dense GQA, tied head, sliding-window / chunked / mixed local attention. */
    @DataProvider(name = "models")
    public Object[][] models() {
        Function<List<LayerAttention>, LlamaConfig> local =
                kinds -> TinyModels.config(4, false).withLayerAttention(kinds);
        return new Object[][] {
            {"gqa", TinyModels.config(4, false)},
            {"tied", TinyModels.config(3, true)},
            {"sliding", local.apply(List.of(LayerAttention.sliding(4)))},
            {"chunked", local.apply(List.of(LayerAttention.chunked(5)))},
            {
                "mixed",
                local.apply(
                        List.of(
                                LayerAttention.chunked(5),
                                LayerAttention.FULL,
                                LayerAttention.sliding(3),
                                LayerAttention.FULL))
            },
        };
    }

    @Test(dataProvider = "models")
    public void logitsMatchAtEveryExit(String name, LlamaConfig config) {
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model = TinyModels.random(manager, config, 11);
            Assert.assertNull(FusedEngine.support(model), name);
            DecodeEngine fused = Engines.of(model, EngineKind.FUSED);
            Assert.assertEquals(fused.kind(), EngineKind.FUSED, name);
            DecodeEngine ops = new OpsEngine(model);
            for (int e = 1; e <= model.numLayers(); e++) {
                double max = comparePasses(model, fused, ops, e);
                Assert.assertTrue(max <= 1e-4, name + " exit " + e + ": max abs diff " + max);
            }
        }
    }

    /**
     * Runs the same sequence of passes on both engines (two rows prefilled with 7 tokens, a skewed
     * rollback of row 1, single-token steps, a 3-token pass, a step over row 1 alone) and returns
     * the largest logit difference.
     */
    static double comparePasses(LlamaModel model, DecodeEngine fused, DecodeEngine ops, int exit) {
        return comparePasses(model, fused, model, ops, exit);
    }

    /** The same, with the per-op engine on a second copy of the model ({@code reference}). */
    static double comparePasses(
            LlamaModel model,
            DecodeEngine fused,
            LlamaModel reference,
            DecodeEngine ops,
            int exit) {
        double max = 0;
        try (NDManager req = model.getEmbedding().getArray().getManager().newSubManager();
                DecoderState a = model.newState(req, 2, 48, 7);
                DecoderState b = reference.newState(req, 2, 48, 7)) {
            EngineSession f = fused.open(a, null, 0);
            EngineSession o = ops.open(b, null, 0);
            int[] both = {0, 1};
            long[] prompt = {1, 5, 9, 14, 3, 60, 2, 7, 7, 8, 50, 12, 90, 4};
            max =
                    Math.max(
                            max,
                            diff(f.logits(both, prompt, 7, exit), o.logits(both, prompt, 7, exit)));
            a.truncate(1, 4);
            b.truncate(1, 4);
            for (int s = 0; s < 6; s++) {
                long[] ids = {(s * 13 + 5) % 97, (s * 29 + 1) % 97};
                max =
                        Math.max(
                                max,
                                diff(f.logits(both, ids, 1, exit), o.logits(both, ids, 1, exit)));
            }
            long[] three = {3, 4, 5, 6, 7, 8};
            max =
                    Math.max(
                            max,
                            diff(f.logits(both, three, 3, exit), o.logits(both, three, 3, exit)));
            int[] second = {1};
            max =
                    Math.max(
                            max,
                            diff(
                                    f.logits(second, new long[] {42}, 1, exit),
                                    o.logits(second, new long[] {42}, 1, exit)));
            Assert.assertEquals(a.lengths(0), b.lengths(0));
        }
        return max;
    }

    static double diff(float[][][] x, float[][][] y) {
        double max = 0;
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[i].length; j++) {
                for (int v = 0; v < x[i][j].length; v++) {
                    max = Math.max(max, Math.abs(x[i][j][v] - y[i][j][v]));
                }
            }
        }
        return max;
    }

    @Test(dataProvider = "models")
    public void greedyTokensMatchEveryStrategy(String name, LlamaConfig config) {
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model = TinyModels.random(manager, config, 11);
            Generator generator = new Generator(model);
            long[][] prompts = {{1, 5, 9, 14, 3, 60, 2, 11, 14}, {1, 4}, {9, 9, 9, 40, 41}};
            for (DecodingStrategy s : DecodingStrategy.values()) {
                for (int e = 1; e < model.numLayers(); e++) {
                    for (int d :
                            s == DecodingStrategy.SELF_SPECULATIVE
                                    ? new int[] {1, 3, 5}
                                    : new int[] {1}) {
                        GenerationOptions.Builder b =
                                GenerationOptions.builder()
                                        .optMaxNewTokens(19)
                                        .optStrategy(s)
                                        .optExitLayer(e)
                                        .optNumSpeculations(d)
                                        .optEosTokenIds(List.of(7L, 33L));
                        String what = name + " " + s + " E=" + e + " d=" + d;
                        List<GenerationResult> o =
                                generator.generateBatch(
                                        prompts, b.optEngine(EngineKind.OPS).build(), null);
                        List<GenerationResult> f =
                                generator.generateBatch(
                                        prompts, b.optEngine(EngineKind.FUSED).build(), null);
                        for (int r = 0; r < prompts.length; r++) {
                            Assert.assertEquals(
                                    f.get(r).tokenIds(), o.get(r).tokenIds(), what + " row " + r);
                            Assert.assertEquals(
                                    f.get(r).finishReason(), o.get(r).finishReason(), what);
                            if (s == DecodingStrategy.SELF_SPECULATIVE) {
                                Assert.assertEquals(
                                        f.get(r).speculation().accepted(),
                                        o.get(r).speculation().accepted(),
                                        what);
                                Assert.assertEquals(
                                        f.get(r).speculation().drafted(),
                                        o.get(r).speculation().drafted(),
                                        what);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    public void sampledTokensMatchWithTheSameSeed() {
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model = TinyModels.random(manager, TinyModels.config(4, false), 3);
            Generator generator = new Generator(model);
            long[][] prompts = {{1, 5, 9, 14}, {2, 3}};
            double[][] settings = {{1.0, 0, 1.0}, {0.7, 5, 1.0}, {1.3, 0, 0.8}, {0.9, 10, 0.6}};
            for (double[] t : settings) {
                for (DecodingStrategy s :
                        List.of(
                                DecodingStrategy.AUTOREGRESSIVE,
                                DecodingStrategy.SELF_SPECULATIVE)) {
                    GenerationOptions.Builder b =
                            GenerationOptions.builder()
                                    .optMaxNewTokens(40)
                                    .optStrategy(s)
                                    .optExitLayer(2)
                                    .optNumSpeculations(3)
                                    .optTemperature(t[0])
                                    .optTopK((int) t[1])
                                    .optTopP(t[2])
                                    .optSeed(7)
                                    .optEosTokenIds(List.of());
                    List<GenerationResult> o =
                            generator.generateBatch(
                                    prompts, b.optEngine(EngineKind.OPS).build(), null);
                    List<GenerationResult> f =
                            generator.generateBatch(
                                    prompts, b.optEngine(EngineKind.FUSED).build(), null);
                    for (int r = 0; r < prompts.length; r++) {
                        Assert.assertEquals(
                                f.get(r).tokenIds(),
                                o.get(r).tokenIds(),
                                s + " " + java.util.Arrays.toString(t));
                    }
                }
            }
        }
    }

    @Test
    public void halfPrecisionGivesThePerOpPathsTokens() throws Exception {
        Path dir = Fixtures.dir("tiny-f16-tied-llama3");
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model = HfLlama.load(dir, manager, DataType.FLOAT16);
            LlamaModel reference = HfLlama.load(dir, manager, DataType.FLOAT16); // for per-op
            Assert.assertEquals(Engines.of(model, EngineKind.FUSED).kind(), EngineKind.FUSED);
            Generator g = new Generator(model);
            Generator r = new Generator(reference);
            GenerationOptions o =
                    GenerationOptions.builder()
                            .optMaxNewTokens(16)
                            .optEosTokenIds(List.of())
                            .build();
            long[] prompt = {1, 2, 3, 4};
            for (DecodingStrategy s : DecodingStrategy.values()) {
                GenerationOptions so = o.toBuilder().optStrategy(s).optExitLayer(1).build();
                Assert.assertEquals(
                        g.generate(prompt, so.toBuilder().optEngine(EngineKind.FUSED).build(), null)
                                .tokenIds(),
                        r.generate(prompt, so.toBuilder().optEngine(EngineKind.OPS).build(), null)
                                .tokenIds(),
                        "fp16 " + s);
            }
        }
    }
}
