package org.layerskip.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import org.layerskip.generate.DecodingStrategy;
import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.GenerationResult;
import org.layerskip.generate.Generator;
import org.layerskip.nn.LlamaModel;
import org.testng.Assert;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.util.List;

/**
 * Parity with the independent float64 reference of {@code scripts/make_fixtures.py}: logits at
 * every exit layer (max abs diff &lt;= 1e-4 in fp32) and greedy tokens at full depth and every
 * early exit, for the F32 single-file, BF16 two-shard GQA, and F16 tied llama3-rope checkpoints.
 */
public class GoldenParityTest {

    @DataProvider(name = "fixtures")
    public Object[][] fixtures() {
        Object[][] out = new Object[Fixtures.NAMES.length][];
        for (int i = 0; i < out.length; i++) {
            out[i] = new Object[] {Fixtures.NAMES[i]};
        }
        return out;
    }

    @Test(dataProvider = "fixtures")
    public void logitsAtEveryExitMatchReference(String name) throws Exception {
        JsonObject g = Fixtures.golden(name);
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model = HfLlama.load(Fixtures.dir(name), manager, DataType.FLOAT32);
            int layers = model.numLayers();
            long[] prompt = longs(g.getAsJsonArray("prompt_ids"));
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray ids = manager.create(prompt, new Shape(1, prompt.length));
            int[] exits = new int[layers];
            for (int e = 1; e <= layers; e++) {
                exits[e - 1] = e;
            }
            NDList all = model.forwardExits(ps, ids, exits, false);
            for (int e = 1; e <= layers; e++) {
                float[][] expected = matrix(g.getAsJsonObject("logits").getAsJsonArray("" + e));
                float[] got = all.get(e - 1).toFloatArray();
                int v = expected[0].length;
                double max = 0;
                for (int t = 0; t < expected.length; t++) {
                    for (int j = 0; j < v; j++) {
                        max = Math.max(max, Math.abs(got[t * v + j] - expected[t][j]));
                    }
                }
                Assert.assertTrue(max <= 1e-4, name + " exit " + e + ": max abs diff " + max);
            }
        }
    }

    @Test(dataProvider = "fixtures")
    public void greedyTokensAtEveryExitMatchReference(String name) throws Exception {
        JsonObject g = Fixtures.golden(name);
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model = HfLlama.load(Fixtures.dir(name), manager, DataType.FLOAT32);
            Generator gen = new Generator(model);
            long[] prompt = longs(g.getAsJsonArray("prompt_ids"));
            for (int e = 1; e <= model.numLayers(); e++) {
                long[] expected = longs(g.getAsJsonObject("greedy").getAsJsonArray("" + e));
                GenerationOptions o =
                        GenerationOptions.builder()
                                .optMaxNewTokens(expected.length)
                                .optEosTokenIds(List.of())
                                .optStrategy(
                                        e == model.numLayers()
                                                ? DecodingStrategy.AUTOREGRESSIVE
                                                : DecodingStrategy.EARLY_EXIT)
                                .optExitLayer(e)
                                .build();
                GenerationResult r = gen.generate(prompt, o, null);
                Assert.assertEquals(r.tokenIds(), expected, name + " exit " + e);
                if (e < model.numLayers()) {
                    continue;
                }
                for (int d = 1; d <= 4; d++) {
                    for (int se = 1; se < model.numLayers(); se++) {
                        GenerationResult s =
                                gen.generate(
                                        prompt,
                                        o.toBuilder()
                                                .optStrategy(DecodingStrategy.SELF_SPECULATIVE)
                                                .optExitLayer(se)
                                                .optNumSpeculations(d)
                                                .build(),
                                        null);
                        Assert.assertEquals(
                                s.tokenIds(), expected, name + " self-spec E=" + se + " d=" + d);
                    }
                }
            }
        }
    }

    @Test(dataProvider = "fixtures")
    public void stopsAtReferenceEos(String name) throws Exception {
        JsonObject g = Fixtures.golden(name);
        JsonElement eosStep = g.get("greedy_eos");
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model = HfLlama.load(Fixtures.dir(name), manager, DataType.FLOAT32);
            long[] full = longs(g.getAsJsonObject("greedy").getAsJsonArray("" + model.numLayers()));
            GenerationOptions o = GenerationOptions.builder().optMaxNewTokens(full.length).build();
            GenerationResult r =
                    new Generator(model).generate(longs(g.getAsJsonArray("prompt_ids")), o, null);
            int expectedLength = eosStep.isJsonNull() ? full.length : eosStep.getAsInt() + 1;
            Assert.assertEquals(r.numGenerated(), expectedLength, name);
            Assert.assertEquals(r.tokenIds(), java.util.Arrays.copyOf(full, expectedLength));
        }
    }

    @Test(dataProvider = "fixtures")
    public void batchedLogitsMatchReference(String name) throws Exception {
        JsonObject g = Fixtures.golden(name).getAsJsonObject("batch");
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model = HfLlama.load(Fixtures.dir(name), manager, DataType.FLOAT32);
            JsonArray prompts = g.getAsJsonArray("prompt_ids");
            int b = prompts.size();
            int t = prompts.get(0).getAsJsonArray().size();
            long[] flat = new long[b * t];
            for (int r = 0; r < b; r++) {
                System.arraycopy(longs(prompts.get(r).getAsJsonArray()), 0, flat, r * t, t);
            }
            ParameterStore ps = new ParameterStore(manager, false);
            try (var state = model.newState(manager, b, t)) {
                float[] got =
                        model.forward(
                                        ps,
                                        manager.create(flat, new Shape(b, t)),
                                        state,
                                        model.numLayers(),
                                        false)
                                .logits()
                                .toFloatArray();
                JsonArray exp = g.getAsJsonArray("logits_full");
                double max = 0;
                int i = 0;
                for (JsonElement row : exp) {
                    for (JsonElement pos : row.getAsJsonArray()) {
                        for (JsonElement x : pos.getAsJsonArray()) {
                            max = Math.max(max, Math.abs(got[i++] - x.getAsFloat()));
                        }
                    }
                }
                Assert.assertEquals(i, got.length);
                Assert.assertTrue(max <= 1e-4, name + " batch: max abs diff " + max);
            }
        }
    }

    @Test(dataProvider = "fixtures")
    public void float16LoadStaysClose(String name) throws Exception {
        JsonObject g = Fixtures.golden(name);
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model = HfLlama.load(Fixtures.dir(name), manager, DataType.FLOAT16);
            Assert.assertEquals(model.dataType(), DataType.FLOAT16);
            long[] prompt = longs(g.getAsJsonArray("prompt_ids"));
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray logits =
                    model.forwardExits(
                                    ps,
                                    manager.create(prompt, new Shape(1, prompt.length)),
                                    new int[] {model.numLayers()},
                                    false)
                            .head()
                            .toType(DataType.FLOAT32, false);
            float[][] expected =
                    matrix(g.getAsJsonObject("logits").getAsJsonArray("" + model.numLayers()));
            float[] got = logits.toFloatArray();
            int v = expected[0].length;
            double max = 0;
            for (int t = 0; t < expected.length; t++) {
                for (int j = 0; j < v; j++) {
                    max = Math.max(max, Math.abs(got[t * v + j] - expected[t][j]));
                }
            }
            Assert.assertTrue(max <= 0.1, name + " fp16: max abs diff " + max);
        }
    }

    static long[] longs(JsonArray a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }

    static float[][] matrix(JsonArray a) {
        float[][] out = new float[a.size()][];
        for (int i = 0; i < out.length; i++) {
            JsonArray row = a.get(i).getAsJsonArray();
            out[i] = new float[row.size()];
            for (int j = 0; j < out[i].length; j++) {
                out[i][j] = (float) row.get(j).getAsDouble();
            }
        }
        return out;
    }
}
