package org.layerskip.engine;

import ai.djl.ndarray.NDManager;

import org.layerskip.config.LayerAttention;
import org.layerskip.nn.LlamaModel;
import org.layerskip.nn.TinyModels;
import org.testng.Assert;
import org.testng.annotations.Test;

import java.util.Arrays;
import java.util.List;

/**
 * Every matrix kernel of the fused program gives the per-op path's logits: {@code linear} on the
 * weights as they are, {@code matmul} with transposed copies (the default for small matrices) and
 * oneDNN-prepacked weights ({@value FusedEngine#PREPACK_PROPERTY}), alone and mixed in one model.
 */
public class FusedKernelsTest {

    @Test
    public void everyKernelMatchesThePerOpPath() {
        String[][] settings = {
            {"0", "false"}, // linear everywhere
            {"1000000000", "false"}, // transposed everywhere
            {"0", "true"}, // prepacked everywhere
            {"20000", "true"}, // a budget that transposes some matrices and prepacks the rest
        };
        for (String[] s : settings) {
            System.setProperty(FusedEngine.TRANSPOSE_BYTES_PROPERTY, s[0]);
            System.setProperty(FusedEngine.PREPACK_PROPERTY, s[1]);
            try (NDManager manager = NDManager.newBaseManager()) {
                LlamaModel model =
                        TinyModels.random(
                                manager,
                                TinyModels.config(4, false)
                                        .withLayerAttention(
                                                List.of(
                                                        LayerAttention.FULL,
                                                        LayerAttention.sliding(3),
                                                        LayerAttention.FULL,
                                                        LayerAttention.FULL)),
                                17);
                FusedEngine fused = FusedEngine.create(model);
                long[] kinds = fused.kinds();
                String what = Arrays.toString(s) + " kinds " + Arrays.toString(kinds);
                if (s[0].equals("0") && s[1].equals("false")) {
                    Assert.assertTrue(Arrays.stream(kinds).allMatch(k -> k == 0), what);
                }
                if (s[0].equals("0") && s[1].equals("true")) {
                    Assert.assertTrue(Arrays.stream(kinds).allMatch(k -> k == 2), what);
                    Assert.assertTrue(fused.extraWeightBytes() > 0, what);
                }
                if (s[0].equals("20000")) {
                    Assert.assertTrue(Arrays.stream(kinds).anyMatch(k -> k == 1), what);
                    Assert.assertTrue(Arrays.stream(kinds).anyMatch(k -> k == 2), what);
                }
                for (int e = 1; e <= model.numLayers(); e++) {
                    double max =
                            FusedEngineParityTest.comparePasses(
                                    model, fused, new OpsEngine(model), e);
                    Assert.assertTrue(max <= 1e-4, what + " exit " + e + ": max abs diff " + max);
                }
            } finally {
                System.clearProperty(FusedEngine.TRANSPOSE_BYTES_PROPERTY);
                System.clearProperty(FusedEngine.PREPACK_PROPERTY);
            }
        }
    }
}
