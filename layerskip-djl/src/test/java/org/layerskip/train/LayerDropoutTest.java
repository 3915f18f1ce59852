package org.layerskip.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;

import org.layerskip.nn.LayerInputs;
import org.layerskip.nn.LlamaModel;
import org.layerskip.testing.Assertions;
import org.testng.Assert;
import org.testng.annotations.Test;

import java.nio.file.Path;
import java.util.Arrays;

public class LayerDropoutTest {

    @Test
    public void droppedRowsPassThroughAndKeptRowsEqualTheLayer() {
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model = TrainFixtures.trainable(manager, 2, 3, DataType.FLOAT32);
            ParameterStore ps = new ParameterStore(manager, false);
            manager.getEngine().setRandomSeed(1);
            NDArray h = manager.randomNormal(new Shape(5, 6, 32));
            LayerInputs ctx = model.trainingContext(manager, 6);
            NDArray full = model.getLayer(1).forward(ps, h, ctx, false);
            boolean[] drop = {false, true, true, false, true};
            NDArray out = LayerDropout.apply(ps, model.getLayer(1), h, ctx, drop, false);
            Assert.assertEquals(out.getShape(), h.getShape());
            for (int r = 0; r < drop.length; r++) {
                NDArray expected = drop[r] ? h.get(r) : full.get(r);
                // kept rows: the same layer on a smaller batch (allow float reassociation)
                Assertions.assertClose(out.get(r), expected, drop[r] ? 0.0 : 1e-5);
            }
            // all dropped: identity; none dropped: the layer itself
            boolean[] all = new boolean[5];
            Arrays.fill(all, true);
            Assert.assertSame(LayerDropout.apply(ps, model.getLayer(1), h, ctx, all, false), h);
            Assertions.assertClose(
                    LayerDropout.apply(ps, model.getLayer(1), h, ctx, new boolean[5], false),
                    full,
                    0.0);
        }
    }

    @Test
    public void rateZeroIsIdenticalToNoDropout() {
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model = TrainFixtures.trainable(manager, 4, 3, DataType.FLOAT32);
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray ids = TrainFixtures.progressions(4, 8, 2).rows(manager, new int[] {0, 1, 2, 3});
            LayerDropout zero =
                    new LayerDropout(
                            LayerDropoutSchedule.builder().setMaxRate(0.0).setNumLayers(4).build(),
                            9);
            boolean[] last = {false, false, false, true};
            SkipForward.Compute c = new SkipForward.Compute();
            NDList a = SkipForward.run(model, ps, ids, zero, 3, 0, last, false, c);
            NDList b = SkipForward.run(model, ps, ids, null, 3, 0, last, false, null);
            Assertions.assertClose(a.head(), b.head(), 0.0);
            Assertions.assertClose(
                    model.head(ps, a.head()),
                    model.forwardExits(ps, ids, new int[] {4}, false).head(),
                    1e-5);
            Assert.assertEquals(c.run(), c.scheduled());
            Assert.assertEquals(c.scheduled(), 16);
        }
    }

    @Test
    public void masksAreSeededPerStepMicroBatchAndLayer() {
        LayerDropout d =
                new LayerDropout(
                        LayerDropoutSchedule.builder()
                                .setMaxRate(0.5)
                                .setNumLayers(4)
                                .optLayerScale(LayerScale.UNIFORM)
                                .build(),
                        7);
        Assert.assertEquals(d.dropMask(12, 1, 2, 64), d.dropMask(12, 1, 2, 64));
        Assert.assertNotEquals(d.dropMask(12, 1, 2, 64), d.dropMask(13, 1, 2, 64));
        Assert.assertNotEquals(d.dropMask(12, 1, 2, 64), d.dropMask(12, 0, 2, 64));
        Assert.assertNotEquals(d.dropMask(12, 1, 2, 64), d.dropMask(12, 1, 3, 64));
        int dropped = 0;
        for (int s = 0; s < 100; s++) {
            for (boolean b : d.dropMask(s, 0, 1, 64)) {
                dropped += b ? 1 : 0;
            }
        }
        Assert.assertEquals(dropped / 6400.0, 0.5, 0.03);
    }

    @Test
    public void dropoutStepRunsFewerLayerRows() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            int layers = 4;
            LlamaModel model = TrainFixtures.trainable(manager, layers, 3, DataType.FLOAT32);
            LayerSkipTrainingConfig cfg =
                    LayerSkipTrainingConfig.builder()
                            .optMaxDropRate(0.2)
                            .optTimeCurriculum(TimeCurriculum.CONSTANT)
                            .optSteps(20)
                            .optBatchSize(16)
                            .optSeqLen(8)
                            .build(layers);
            TokenSequences data = TrainFixtures.progressions(64, 9, 1);
            LayerSkipTrainer ls = new LayerSkipTrainer(model, cfg, data, (Path) null);
            long scheduled = 0;
            long run = 0;
            for (int i = 0; i < 10; i++) {
                SkipForward.Compute c = ls.trainStep().compute();
                scheduled += c.scheduled();
                run += c.run();
            }
            Assert.assertEquals(scheduled, 10L * 16 * layers);
            // expected skipped share: p_max * mean D(l) = 0.2 * mean(0, .26, .59, 1) = 0.092
            double skipped = 1.0 - (double) run / scheduled;
            Assert.assertTrue(skipped > 0.04 && skipped < 0.16, "skipped share " + skipped);

            LlamaModel twin = TrainFixtures.trainable(manager, layers, 3, DataType.FLOAT32);
            LayerSkipTrainer base = new LayerSkipTrainer(twin, cfg.asBaseline(), data, (Path) null);
            SkipForward.Compute c = base.trainStep().compute();
            Assert.assertEquals(c.run(), c.scheduled());
        }
    }
}
