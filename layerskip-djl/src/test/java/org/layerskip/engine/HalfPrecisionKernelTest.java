package org.layerskip.engine;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;

import org.layerskip.cache.DecoderState;
import org.layerskip.generate.DecodingStrategy;
import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.Generator;
import org.layerskip.io.Fixtures;
import org.layerskip.io.HfLlama;
import org.layerskip.nn.LlamaModel;
import org.testng.Assert;
import org.testng.annotations.Test;

import java.util.Arrays;
import java.util.List;

/**
 * F16 matrices on CPU go through FBGEMM's packed half-precision kernel ({@value
 * FusedEngine#HALF_KERNEL_PROPERTY} = fbgemm, the default): at every exit, with matrices split into
 * many row blocks, its logits are as close to the float32 model's as the per-op F16 path's are; the
 * model's own matrices are freed (a tied head too when lookups read the checkpoint's mapped
 * embedding, else it stays: it is the embedding), after which the per-op path refuses the model
 * with a clear message instead of computing on freed tensors; and {@code linear} keeps the weights
 * shared with the per-op path.
 */
public class HalfPrecisionKernelTest {

    @Test
    public void packedBlocksAreAsAccurateAsThePerOpHalfPath() throws Exception {
        long saved = FusedEngine.packBlockBytes;
        FusedEngine.packBlockBytes = 4096; // 16 rows of 64 columns: every matrix in several blocks
        FusedEngine.packMaxPadding = 1000; // these fixtures are 64-128 wide, FBGEMM pads to 512
        try {
            for (String name : new String[] {"tiny-f16-tied-llama3", "tiny-bf16-sharded"}) {
                try (NDManager manager = NDManager.newBaseManager()) {
                    HalfPrecisionReference ref = new HalfPrecisionReference(name, manager);
                    LlamaModel model = ref.model;
                    FusedEngine fused = FusedEngine.create(model);
                    fused.awaitReady();
                    long[] kinds = fused.kinds();
                    long[] layout = fused.layout();
                    int m = kinds.length;
                    Assert.assertTrue(Arrays.stream(kinds).allMatch(k -> k == 3), name);
                    Assert.assertEquals(fused.matricesPacked(), m, name);
                    Assert.assertTrue(layout[m + 4 * (m - 1) + 1] > 1, name + ": head in blocks");
                    // lookups read the mapped checkpoint, so even a tied head's copy is freed
                    Assert.assertEquals(
                            layout[m + 4 * (m - 1) + 3],
                            model.getConfig().tieWordEmbeddings() ? 2 : 1,
                            name);
                    Assert.assertEquals(layout[m + 3], 1, name + ": layer matrices freed");
                    Assert.assertTrue(model.matricesRetired(), name);
                    Assert.assertEquals(fused.extraWeightBytes(), 0, name + ": no second copy");

                    ref.assertAsAccurateAsHalf(fused, name + " (FBGEMM)");
                }
            }
        } finally {
            FusedEngine.packBlockBytes = saved;
            FusedEngine.packMaxPadding = 0.05;
        }
    }

    @Test
    public void narrowMatricesStayAndATiedHeadIsPackedOnlyWhenLookupsReadTheCheckpoint()
            throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model =
                    HfLlama.load(Fixtures.dir("tiny-f16-tied-llama3"), manager, DataType.FLOAT16);
            // 64 columns would be padded to 512 by FBGEMM: not packed, nothing freed or mapped
            Assert.assertTrue(
                    Arrays.stream(FusedEngine.create(model).kinds()).allMatch(k -> k == 0));
            Assert.assertFalse(model.matricesRetired());
        }
        FusedEngine.packMaxPadding = 1000;
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model =
                    HfLlama.load(Fixtures.dir("tiny-f16-tied-llama3"), manager, DataType.FLOAT16);
            FusedEngine fused = FusedEngine.create(model);
            long[] kinds = fused.kinds();
            int m = kinds.length;
            Assert.assertEquals(kinds[m - 1], 3, "tied head: packed, lookups read the file");
            Assert.assertEquals(fused.layout()[m + 4 * (m - 1) + 3], 2, "its copy freed at once");
            Assert.assertTrue(model.matricesRetired());
            fused.awaitReady();
        }
        System.setProperty(FusedEngine.MAP_EMBEDDING_PROPERTY, "false");
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model =
                    HfLlama.load(Fixtures.dir("tiny-f16-tied-llama3"), manager, DataType.FLOAT16);
            FusedEngine fused = FusedEngine.create(model);
            long[] kinds = fused.kinds();
            Assert.assertEquals(kinds[kinds.length - 1], 0, "tied head: kept for lookups");
            Assert.assertEquals(kinds[0], 3);
            fused.awaitReady();
        } finally {
            System.clearProperty(FusedEngine.MAP_EMBEDDING_PROPERTY);
            FusedEngine.packMaxPadding = 0.05;
        }
    }

    @Test
    public void twoThreadsGiveIdenticalLogits() throws Exception {
        int threads = JniUtils.getNumThreads();
        FusedEngine.packMaxPadding = 1000; // default blocks: each matrix whole, split by the op
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model =
                    HfLlama.load(Fixtures.dir("tiny-bf16-sharded"), manager, DataType.FLOAT16);
            FusedEngine fused = FusedEngine.create(model);
            fused.awaitReady();
            JniUtils.setNumThreads(1);
            float[][][] one = lastLogits(model, fused);
            JniUtils.setNumThreads(2); // each product now split over two threads
            float[][][] two = lastLogits(model, fused);
            Assert.assertEquals(FusedEngineParityTest.diff(one, two), 0.0);
        } finally {
            JniUtils.setNumThreads(threads);
            FusedEngine.packMaxPadding = 0.05;
        }
    }

    private static float[][][] lastLogits(LlamaModel model, FusedEngine fused) {
        try (NDManager req = model.getEmbedding().getArray().getManager().newSubManager();
                DecoderState state = model.newState(req, 1, 16)) {
            EngineSession s = fused.open(state, null, 0);
            return s.logits(new int[] {0}, new long[] {1, 7, 3, 9, 4}, 5, model.numLayers());
        }
    }

    @Test
    public void thePerOpPathRefusesAModelWhoseMatricesWerePacked() throws Exception {
        FusedEngine.packMaxPadding = 1000;
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model =
                    HfLlama.load(Fixtures.dir("tiny-bf16-sharded"), manager, DataType.FLOAT16);
            Generator g = new Generator(model);
            GenerationOptions o =
                    GenerationOptions.builder()
                            .optMaxNewTokens(4)
                            .optEosTokenIds(List.of())
                            .optStrategy(DecodingStrategy.SELF_SPECULATIVE)
                            .optExitLayer(1)
                            .build();
            long[] prompt = {1, 2, 3};
            Assert.assertEquals(g.generate(prompt, o, null).tokenIds().length, 4);
            IllegalStateException e =
                    Assert.expectThrows(
                            IllegalStateException.class,
                            () ->
                                    g.generate(
                                            prompt,
                                            o.toBuilder().optEngine(EngineKind.OPS).build(),
                                            null));
            Assert.assertTrue(
                    e.getMessage().contains("held by the fused engine only"), e.getMessage());
            Assert.assertTrue(
                    e.getMessage().contains(FusedEngine.HALF_KERNEL_PROPERTY + "=linear"),
                    e.getMessage());
            // the fused engine keeps working after the refusal
            Assert.assertEquals(g.generate(prompt, o, null).tokenIds().length, 4);
        } finally {
            FusedEngine.packMaxPadding = 0.05;
        }
    }

    @Test
    public void linearKeepsTheWeightsSharedWithThePerOpPath() throws Exception {
        System.setProperty(FusedEngine.HALF_KERNEL_PROPERTY, "linear");
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model =
                    HfLlama.load(Fixtures.dir("tiny-bf16-sharded"), manager, DataType.FLOAT16);
            FusedEngine fused = FusedEngine.create(model);
            Assert.assertTrue(Arrays.stream(fused.kinds()).allMatch(k -> k == 0));
            Assert.assertFalse(model.matricesRetired());
            // the same weights on both paths: only the kernels' rounding differs (measured 0.05)
            double max =
                    FusedEngineParityTest.comparePasses(
                            model, fused, new OpsEngine(model), model.numLayers());
            Assert.assertTrue(max <= 0.15, "max abs diff " + max);
        } finally {
            System.clearProperty(FusedEngine.HALF_KERNEL_PROPERTY);
        }
    }

    @Test
    public void anUnknownKernelIsRefusedByName() throws Exception {
        System.setProperty(FusedEngine.HALF_KERNEL_PROPERTY, "fast");
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model =
                    HfLlama.load(Fixtures.dir("tiny-bf16-sharded"), manager, DataType.FLOAT16);
            IllegalArgumentException e =
                    Assert.expectThrows(
                            IllegalArgumentException.class, () -> FusedEngine.create(model));
            Assert.assertTrue(e.getMessage().contains("fbgemm or linear, got 'fast'"));
            Assert.assertFalse(model.matricesRetired());
        } finally {
            System.clearProperty(FusedEngine.HALF_KERNEL_PROPERTY);
        }
    }
}
