package org.layerskip.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import org.layerskip.nn.LlamaModel;
import org.testng.Assert;
import org.testng.annotations.Test;

import java.util.Arrays;

/** Sums over disjoint parts of a dataset add up to the sums (and metrics) of the whole. */
public class LayerTotalsTest {

    @Test
    public void partsAddUpToTheWhole() {
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model = TrainFixtures.trainable(manager, 3, 5, DataType.FLOAT32);
            TokenSequences data = TrainFixtures.progressions(9, 10, 4);
            int[] exits = {1, 2, 3};
            long[][] all = new long[data.size()][];
            for (int i = 0; i < all.length; i++) {
                all[i] = data.get(i);
            }
            TokenSequences head = TokenSequences.of(Arrays.copyOfRange(all, 0, 4), 0);
            TokenSequences tail = TokenSequences.of(Arrays.copyOfRange(all, 4, 9), 0);
            LayerTotals whole = LayerEvaluator.totals(model, data, 3, exits, n -> {});
            LayerTotals parts =
                    LayerEvaluator.totals(model, head, 3, exits, n -> {})
                            .plus(LayerEvaluator.totals(model, tail, 3, exits, n -> {}));
            Assert.assertEquals(parts.tokens(), whole.tokens());
            Assert.assertEquals(whole.tokens(), 9L * 9);
            Assert.assertEquals(parts.correct(), whole.correct());
            LayerMetrics m = LayerEvaluator.evaluate(model, data, 3, exits, n -> {});
            for (int e = 0; e < exits.length; e++) {
                Assert.assertTrue(whole.nll()[e] > 0);
                Assert.assertEquals(parts.nll()[e], whole.nll()[e], 1e-9 * whole.nll()[e]);
                Assert.assertEquals(whole.metrics().perplexity()[e], m.perplexity()[e], 0.0);
                Assert.assertEquals(whole.metrics().accuracy()[e], m.accuracy()[e], 0.0);
                Assert.assertEquals(
                        m.perplexity()[e], Math.exp(whole.nll()[e] / whole.tokens()), 0.0);
            }
        }
    }

    @Test
    public void mismatchedExitsAndEmptyTotalsAreRefused() {
        LayerTotals a = LayerTotals.zero(new int[] {1, 2});
        Assert.assertThrows(
                IllegalArgumentException.class, () -> a.plus(LayerTotals.zero(new int[] {1, 3})));
        Assert.assertThrows(IllegalStateException.class, a::metrics);
        Assert.assertThrows(
                IllegalArgumentException.class,
                () -> new LayerTotals(new int[] {1}, new double[2], new long[1], 0));
    }
}
