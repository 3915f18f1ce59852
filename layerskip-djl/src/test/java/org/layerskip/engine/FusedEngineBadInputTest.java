package org.layerskip.engine;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.GenerationResult;
import org.layerskip.generate.Generator;
import org.layerskip.nn.LlamaModel;
import org.layerskip.nn.TinyModels;
import org.testng.Assert;
import org.testng.annotations.Test;

/**
 * What cannot run fused fails with one clear line, or falls back to the per-op path as documented;
 * nothing aborts the JVM.
 */
public class FusedEngineBadInputTest {

    @Test
    public void aProgramThatDoesNotCompileIsAClearError() {
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model = TinyModels.random(manager, TinyModels.config(2, false), 1);
            String good = TorchScriptArchive.resource("layerskip_decoder.py");
            for (String broken :
                    new String[] {
                        good.replace("def step(", "def step(("),
                        good.replace("torch.rsqrt(", "torch.no_such_op("),
                        "class LayerSkipDecoder(Module):\n  this is not code\n",
                        ""
                    }) {
                UnsupportedOperationException e =
                        Assert.expectThrows(
                                UnsupportedOperationException.class,
                                () -> FusedEngine.create(model, broken));
                String prefix = "the fused decode program did not load in LibTorch: ";
                Assert.assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
                Assert.assertTrue(
                        e.getMessage().length() > prefix.length() + 5,
                        "says what failed: " + e.getMessage());
                Assert.assertFalse(e.getMessage().contains("\n"), e.getMessage());
            }
        }
    }

    @Test
    public void unsupportedDtypesFallBackToThePerOpPath() {
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model = LlamaModel.builder().setConfig(TinyModels.config(2, false)).build();
            model.initialize(manager, DataType.FLOAT64, new ai.djl.ndarray.types.Shape(1, 1));
            model.freezeParameters(true);
            Assert.assertTrue(
                    FusedEngine.support(model).contains("float64"), FusedEngine.support(model));
            UnsupportedOperationException e =
                    Assert.expectThrows(
                            UnsupportedOperationException.class, () -> FusedEngine.create(model));
            Assert.assertTrue(e.getMessage().contains("float64"));
            Assert.assertEquals(Engines.of(model, EngineKind.FUSED).kind(), EngineKind.OPS);
        }
    }

    @Test
    public void engineNamesAreChecked() {
        Assert.assertEquals(EngineKind.parse(" Fused "), EngineKind.FUSED);
        Assert.assertEquals(EngineKind.parse("ops"), EngineKind.OPS);
        IllegalArgumentException e =
                Assert.expectThrows(
                        IllegalArgumentException.class, () -> EngineKind.parse("turbo"));
        Assert.assertEquals(e.getMessage(), "engine must be 'fused' or 'ops', got 'turbo'");
        String old = System.getProperty(EngineKind.PROPERTY);
        try {
            System.setProperty(EngineKind.PROPERTY, "ops");
            Assert.assertEquals(EngineKind.fromProperty(), EngineKind.OPS);
            System.setProperty(EngineKind.PROPERTY, "bogus");
            Assert.expectThrows(IllegalArgumentException.class, EngineKind::fromProperty);
        } finally {
            if (old == null) {
                System.clearProperty(EngineKind.PROPERTY);
            } else {
                System.setProperty(EngineKind.PROPERTY, old);
            }
        }
    }

    @Test
    public void theDefaultEngineIsFusedAndRecorded() {
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model = TinyModels.random(manager, TinyModels.config(2, false), 1);
            GenerationResult r =
                    new Generator(model)
                            .generate(
                                    new long[] {1, 2},
                                    GenerationOptions.builder().optMaxNewTokens(3).build(),
                                    null);
            Assert.assertEquals(r.engine(), EngineKind.FUSED);
        }
    }
}
