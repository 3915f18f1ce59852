package org.layerskip.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import org.layerskip.nn.LlamaModel;
import org.testng.Assert;
import org.testng.annotations.Test;

import java.util.ArrayList;
import java.util.List;

/** Per-layer evaluation: batching does not change the numbers, progress covers every window. */
public class LayerEvaluatorTest {

    @Test
    public void progressCoversEveryWindowAndBatchingKeepsTheNumbers() {
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model = TrainFixtures.trainable(manager, 3, 7, DataType.FLOAT32);
            TokenSequences data = TrainFixtures.progressions(7, 9, 3);
            List<Integer> batches = new ArrayList<>();
            LayerMetrics byThree =
                    LayerEvaluator.evaluate(model, data, 3, new int[] {1, 2, 3}, batches::add);
            Assert.assertEquals(batches, List.of(3, 3, 1));
            LayerMetrics whole = LayerEvaluator.evaluate(model, data, 7);
            Assert.assertEquals(whole.layers(), new int[] {1, 2, 3});
            Assert.assertEquals(whole.tokens(), 7L * 8);
            Assert.assertEquals(byThree.tokens(), whole.tokens());
            for (int e = 0; e < 3; e++) {
                Assert.assertEquals(
                        byThree.perplexity()[e],
                        whole.perplexity()[e],
                        1e-6 * whole.perplexity()[e]);
                Assert.assertEquals(byThree.accuracy()[e], whole.accuracy()[e], 1e-12);
                Assert.assertTrue(
                        whole.perplexity()[e] > 1 && Double.isFinite(whole.perplexity()[e]));
            }
            Assert.assertThrows(
                    IllegalArgumentException.class,
                    () -> LayerEvaluator.evaluate(model, data, 0, new int[] {3}, n -> {}));
        }
    }
}
