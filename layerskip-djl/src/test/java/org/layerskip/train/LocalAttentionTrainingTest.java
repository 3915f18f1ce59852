package org.layerskip.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;

import org.layerskip.config.LayerAttention;
import org.layerskip.config.LlamaConfig;
import org.layerskip.nn.LayerInputs;
import org.layerskip.nn.LlamaModel;
import org.layerskip.nn.TinyModels;
import org.testng.Assert;
import org.testng.annotations.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The LayerSkip recipe (layer dropout + early-exit loss) on models with sliding-window and
 * disjoint-block (chunked) layers: the loss falls, gradients of the local-attention training paths
 * equal central finite differences, and the dense {@code B x B} block path of chunked layers equals
 * the masked dense computation of the same mask, in values and gradients.
 */
public class LocalAttentionTrainingTest {

    private static final int LAYERS = 4;

    /** Sliding window of 3 keys and blocks of 4, alternating (sizes differ to catch mix-ups). */
    private static LlamaConfig mixed() {
        return TinyModels.config(LAYERS, false)
                .withLayerAttention(
                        List.of(
                                LayerAttention.sliding(3),
                                LayerAttention.chunked(4),
                                LayerAttention.sliding(3),
                                LayerAttention.chunked(4)));
    }

    @Test
    public void layerSkipRecipeLowersTheLossWithLocalLayers() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model = TrainFixtures.trainable(manager, mixed(), 1, DataType.FLOAT32);
            // T = 12 is a multiple of the block: chunked layers train on dense 4 x 4 blocks
            LayerInputs chunked = model.trainingContext(manager, 12, LayerAttention.chunked(4));
            Assert.assertEquals(chunked.block(), 4);
            LayerSkipTrainingConfig cfg =
                    LayerSkipTrainingConfig.builder()
                            .optMaxDropRate(0.3)
                            .optTimeCurriculum(TimeCurriculum.CONSTANT)
                            .optEScale(0.5)
                            .optCurriculum(LayerSkipTrainingConfig.CurriculumType.ROTATIONAL)
                            .optDilation(2)
                            .optLearningRate(1e-2f)
                            .optWarmupSteps(3)
                            .optSteps(30)
                            .optBatchSize(8)
                            .optSeqLen(12)
                            .optAccumulation(2)
                            .optSeed(5)
                            .build(LAYERS);
            TokenSequences data = TrainFixtures.progressions(256, 13, 3);
            List<StepMetrics> seen = new ArrayList<>();
            LayerSkipTrainer.Summary s =
                    new LayerSkipTrainer(model, cfg, data, (Path) null)
                            .train(
                                    30,
                                    new TrainingListener() {
                                        @Override
                                        public void onStep(StepMetrics m) {
                                            seen.add(m);
                                        }
                                    });
            double first = (s.losses()[0] + s.losses()[1]) / 2;
            double last = (s.losses()[28] + s.losses()[29]) / 2;
            Assert.assertTrue(last < 0.6 * first, "loss " + first + " -> " + last);
            double skipped =
                    seen.stream().mapToDouble(StepMetrics::skippedFraction).average().orElse(0);
            Assert.assertTrue(skipped > 0.02, "layer dropout skipped " + skipped);
            Assert.assertTrue(
                    seen.stream().anyMatch(m -> m.exitLayers().length > 1), "early exits");
        }
    }

    @Test
    public void gradientsThroughLocalLayersMatchFiniteDifferences() {
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model = TrainFixtures.trainable(manager, mixed(), 7, DataType.FLOAT64);
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray batch =
                    TrainFixtures.progressions(4, 9, 13).rows(manager, new int[] {0, 1, 2, 3});
            NDArray input = batch.get(":, :-1"); // T = 8: two dense blocks of 4
            NDArray labels = batch.get(":, 1:");
            LayerDropout dropout =
                    new LayerDropout(
                            LayerDropoutSchedule.builder()
                                    .setMaxRate(0.5)
                                    .setNumLayers(LAYERS)
                                    .optLayerScale(LayerScale.UNIFORM)
                                    .build(),
                            3);
            long step = 2;
            boolean[] enabled = {true, false, true, true};
            double[] w = {0.2, 0.3, 0.5};
            SkipForward.Compute compute = new SkipForward.Compute();
            Parameter[] params = {
                model.getEmbedding(),
                model.getLayer(0).getAttention().getQkv(), // sliding
                model.getLayer(1).getAttention().getQkv(), // chunked, dense blocks
                model.getLayer(1).getAttention().getO(),
                model.getLayer(2).getAttention().getQkv(), // sliding
                model.getLayer(3).getAttention().getQkv() // chunked, dense blocks
            };
            long[][] coords = {
                {input.getLong(1, 5), 3}, {5, 7}, {17, 2}, {9, 30}, {40, 11}, {2, 19}
            };
            double[] analytic = new double[params.length];
            try (GradientCollector gc = manager.getEngine().newGradientCollector()) {
                NDList hidden =
                        SkipForward.run(model, ps, input, dropout, step, 0, enabled, true, compute);
                gc.backward(EarlyExitLoss.compute(model, ps, hidden, w, labels).total());
            }
            // the masks really drop some rows of some layers (and keep others)
            Assert.assertTrue(
                    compute.skippedFraction() > 0 && compute.skippedFraction() < 1,
                    "skipped " + compute.skippedFraction());
            for (int i = 0; i < params.length; i++) {
                NDArray grad = params[i].getArray().getGradient();
                analytic[i] = grad.get(new NDIndex(coords[i])).getDouble();
            }
            double h = 1e-5;
            for (int i = 0; i < params.length; i++) {
                NDArray a = params[i].getArray();
                NDIndex at = new NDIndex(coords[i]);
                double x0 = a.get(at).getDouble();
                a.set(at, x0 + h);
                double up = loss(model, ps, input, labels, dropout, step, enabled, w);
                a.set(at, x0 - h);
                double down = loss(model, ps, input, labels, dropout, step, enabled, w);
                a.set(at, x0);
                double numeric = (up - down) / (2 * h);
                Assert.assertNotEquals(analytic[i], 0.0, "parameter " + i);
                Assert.assertEquals(
                        analytic[i], numeric, 1e-7 + 1e-5 * Math.abs(numeric), "parameter " + i);
            }
        }
    }

    @Test
    public void denseBlocksEqualTheMaskedComputationInValuesAndGradients() {
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model = TrainFixtures.trainable(manager, mixed(), 11, DataType.FLOAT64);
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray batch =
                    TrainFixtures.progressions(3, 17, 21).rows(manager, new int[] {0, 1, 2});
            NDArray input = batch.get(":, :-1"); // T = 16: four blocks of 4
            NDArray labels = batch.get(":, 1:");
            Map<String, double[]> blockGrads = new LinkedHashMap<>();
            Map<String, double[]> maskedGrads = new LinkedHashMap<>();
            double[] blockLogits = lossAndGradients(model, ps, input, labels, false, blockGrads);
            double[] maskedLogits = lossAndGradients(model, ps, input, labels, true, maskedGrads);
            Assert.assertEquals(maxAbsDiff(blockLogits, maskedLogits), 0.0, 1e-10);
            Assert.assertEquals(blockGrads.keySet(), maskedGrads.keySet());
            for (String name : blockGrads.keySet()) {
                double[] g = blockGrads.get(name);
                Assert.assertTrue(maxAbs(g) > 0, name + " has no gradient");
                Assert.assertEquals(
                        maxAbsDiff(g, maskedGrads.get(name)), 0.0, 1e-10 * maxAbs(g), name);
            }
        }
    }

    /**
     * Runs the model with every layer's own training context, except that chunked layers use either
     * the dense-block context or a masked full-length context; backpropagates the last exit's
     * cross-entropy and returns the logits (gradients go into {@code grads}).
     */
    private static double[] lossAndGradients(
            LlamaModel model,
            ParameterStore ps,
            NDArray input,
            NDArray labels,
            boolean masked,
            Map<String, double[]> grads) {
        NDManager manager = input.getManager();
        int t = (int) input.getShape().get(1);
        double[] logitValues;
        try (GradientCollector gc = manager.getEngine().newGradientCollector()) {
            gc.zeroGradients();
            NDArray h = model.embed(ps, input);
            for (int l = 0; l < model.numLayers(); l++) {
                LayerAttention kind = model.getConfig().layerAttention().get(l);
                LayerInputs ctx =
                        masked && kind.kind() == LayerAttention.Kind.CHUNKED
                                ? maskedContext(model, manager, t, kind)
                                : model.trainingContext(manager, t, kind);
                if (kind.kind() == LayerAttention.Kind.CHUNKED) {
                    Assert.assertEquals(ctx.block(), masked ? 0 : kind.size());
                }
                h = model.getLayer(l).forward(ps, h, ctx, true);
            }
            NDArray logits = model.head(ps, h);
            logitValues = logits.toDoubleArray();
            gc.backward(EarlyExitLoss.crossEntropy(logits.expandDims(0), labels).sum());
        }
        for (Pair<String, Parameter> p : model.getParameters()) {
            grads.put(p.getKey(), p.getValue().getArray().getGradient().toDoubleArray());
        }
        return logitValues;
    }

    /**
     * A cache-free context of T tokens whose bias {@code (1, 1, G*T, T)} is the full T x T mask of
     * {@code kind} (row {@code g*T + q}, as the attention folds query groups), with no block
     * folding: the masked dense computation.
     */
    private static LayerInputs maskedContext(
            LlamaModel model, NDManager manager, int t, LayerAttention kind) {
        LayerInputs full = model.trainingContext(manager, t, LayerAttention.FULL);
        int g = model.getConfig().groupSize();
        double[] bias = new double[g * t * t];
        for (int gi = 0; gi < g; gi++) {
            for (int q = 0; q < t; q++) {
                for (int k = 0; k < t; k++) {
                    bias[(gi * t + q) * t + k] = kind.visible(q, k) ? 0 : Double.NEGATIVE_INFINITY;
                }
            }
        }
        NDArray b = manager.create(bias, new Shape(1, 1, (long) g * t, t));
        return new LayerInputs(
                full.cos(), full.sin(), full.rotateHalf(), b, null, null, null, t, 0);
    }

    private static double loss(
            LlamaModel model,
            ParameterStore ps,
            NDArray input,
            NDArray labels,
            LayerDropout dropout,
            long step,
            boolean[] enabled,
            double[] w) {
        NDList hidden = SkipForward.run(model, ps, input, dropout, step, 0, enabled, false, null);
        return EarlyExitLoss.compute(model, ps, hidden, w, labels).total().getDouble();
    }

    private static double maxAbs(double[] a) {
        double m = 0;
        for (double x : a) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    private static double maxAbsDiff(double[] a, double[] b) {
        Assert.assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
