package org.layerskip.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;

import org.layerskip.nn.LlamaModel;
import org.testng.Assert;
import org.testng.annotations.Test;

public class EarlyExitLossTest {

    @Test
    public void batchedLossEqualsPerLayerLoop() {
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model = TrainFixtures.trainable(manager, 4, 11, DataType.FLOAT32);
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray batch = TrainFixtures.progressions(3, 9, 5).rows(manager, new int[] {0, 1, 2});
            NDArray input = batch.get(":, :-1");
            NDArray labels = batch.get(":, 1:");
            boolean[] enabled = {true, false, true, true};
            NDList hidden = SkipForward.run(model, ps, input, null, 0, 0, enabled, false, null);
            Assert.assertEquals(hidden.size(), 3);
            double[] w = {0.2, 0.3, 0.5};
            EarlyExitLoss.Result r = EarlyExitLoss.compute(model, ps, hidden, w, labels);

            // reference: one exit at a time through forwardExits, cross-entropy by hand
            NDList logits = model.forwardExits(ps, input, new int[] {1, 3, 4}, false);
            double total = 0;
            float[] per = r.perExit().toFloatArray();
            for (int e = 0; e < 3; e++) {
                NDArray logp = logits.get(e).logSoftmax(-1); // (B, T, V)
                long[] lab = labels.toLongArray();
                float[] lp = logp.toFloatArray();
                int v = 97;
                double sum = 0;
                for (int i = 0; i < lab.length; i++) {
                    sum -= lp[i * v + (int) lab[i]];
                }
                double ce = sum / lab.length;
                Assert.assertEquals(per[e], ce, 1e-4, "exit " + e);
                total += w[e] * ce;
            }
            Assert.assertEquals(r.total().getFloat(), total, 1e-4);
        }
    }

    @Test
    public void gradientMatchesFiniteDifferences() {
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model = TrainFixtures.trainable(manager, 3, 5, DataType.FLOAT64);
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray batch = TrainFixtures.progressions(2, 7, 9).rows(manager, new int[] {0, 1});
            NDArray input = batch.get(":, :-1");
            NDArray labels = batch.get(":, 1:");
            boolean[] enabled = {true, true, true};
            double[] w = {0.1, 0.3, 0.6};
            Parameter[] params = {
                model.getEmbedding(),
                model.getLayer(0).getAttention().getQkv(),
                model.getLayer(1).getMlp().getParameters().get(0).getValue(),
                model.getLayer(2).getInputNorm().getWeight(),
                model.getLmHead()
            };
            long[][] coords = {{input.getLong(0, 0), 3}, {7, 2}, {3, 4}, {6}, {11, 8}};
            double[] analytic = new double[params.length];
            try (GradientCollector gc = manager.getEngine().newGradientCollector()) {
                NDList hidden = SkipForward.run(model, ps, input, null, 0, 0, enabled, true, null);
                gc.backward(EarlyExitLoss.compute(model, ps, hidden, w, labels).total());
            }
            for (int i = 0; i < params.length; i++) {
                NDIndex at = new NDIndex(coords[i]);
                analytic[i] = params[i].getArray().getGradient().get(at).getDouble();
            }
            double h = 1e-5;
            for (int i = 0; i < params.length; i++) {
                NDArray a = params[i].getArray();
                NDIndex at = new NDIndex(coords[i]);
                double x0 = a.get(at).getDouble();
                a.set(at, x0 + h);
                double up = loss(model, ps, input, labels, enabled, w);
                a.set(at, x0 - h);
                double down = loss(model, ps, input, labels, enabled, w);
                a.set(at, x0);
                double numeric = (up - down) / (2 * h);
                Assert.assertEquals(
                        analytic[i],
                        numeric,
                        1e-6 + 1e-4 * Math.abs(numeric),
                        "parameter " + params[i].getName());
                Assert.assertNotEquals(analytic[i], 0.0);
            }
        }
    }

    private static double loss(
            LlamaModel model,
            ParameterStore ps,
            NDArray input,
            NDArray labels,
            boolean[] enabled,
            double[] w) {
        NDList hidden = SkipForward.run(model, ps, input, null, 0, 0, enabled, false, null);
        return EarlyExitLoss.compute(model, ps, hidden, w, labels).total().getDouble();
    }
}
