package org.layerskip.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;

import org.layerskip.cache.DecoderState;
import org.layerskip.testing.Assertions;
import org.testng.Assert;
import org.testng.annotations.Test;

public class LlamaModelTest {

    @Test
    public void cachedDecodingEqualsFullRecomputation() {
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model = TinyModels.random(manager, TinyModels.config(3, false), 7);
            ParameterStore ps = new ParameterStore(manager, false);
            long[] ids = {1, 5, 9, 33, 60, 2, 11, 90, 4, 17};
            NDArray all = manager.create(ids).reshape(1, ids.length);
            for (int exit = 1; exit <= 3; exit++) {
                NDArray full = model.forwardExits(ps, all, new int[] {exit}, false).head();
                try (DecoderState state = model.newState(manager, 1, 16)) {
                    // prefill 4 tokens, then one token at a time
                    NDArray pre = manager.create(new long[] {1, 5, 9, 33}).reshape(1, 4);
                    NDArray logits = model.forward(ps, pre, state, exit, false).logits();
                    Assertions.assertClose(logits, full.get(":, 0:4"), 1e-4f);
                    for (int i = 4; i < ids.length; i++) {
                        NDArray one = manager.create(new long[] {ids[i]}).reshape(1, 1);
                        NDArray step = model.forward(ps, one, state, exit, true).logits();
                        Assertions.assertClose(step, full.get(":, {}:{}", i, i + 1), 1e-4f);
                    }
                }
            }
        }
    }

    @Test
    public void forwardExitsMatchesSeparateRuns() {
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model = TinyModels.random(manager, TinyModels.config(4, true), 3);
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray ids = manager.create(new long[] {1, 5, 9, 33, 60, 2}).reshape(1, 6);
            NDList all = model.forwardExits(ps, ids, new int[] {1, 2, 4}, false);
            Assert.assertEquals(all.size(), 3);
            Assertions.assertClose(
                    all.get(1), model.forwardExits(ps, ids, new int[] {2}, false).head(), 1e-5f);
            Assert.assertFalse(all.get(2).hasGradient());
        }
    }
}
