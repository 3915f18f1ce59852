package org.layerskip.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;

import org.layerskip.cache.DecoderState;
import org.layerskip.config.LayerAttention;
import org.layerskip.config.LlamaConfig;
import org.layerskip.testing.Assertions;
import org.testng.Assert;
import org.testng.annotations.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Sliding-window and chunked attention: masks at their boundaries, ring caches against full
 * recomputation, rollback across block boundaries, and flat KV memory.
 */
public class LocalAttentionTest {

    static LlamaConfig config(int layers, List<LayerAttention> kinds) {
        return TinyModels.config(layers, false).withLayerAttention(kinds);
    }

    static long[] randomIds(int n, long seed) {
        Random r = new Random(seed);
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = 1 + r.nextInt(90);
        }
        return ids;
    }

    static NDArray fullForward(LlamaModel m, NDManager manager, long[] ids) {
        ParameterStore ps = new ParameterStore(manager, false);
        return m.forwardExits(
                        ps,
                        manager.create(ids, new Shape(1, ids.length)),
                        new int[] {m.numLayers()},
                        false)
                .head(); // (1, T, V)
    }

    @Test
    public void visibilityAtBoundaries() {
        LayerAttention w = LayerAttention.sliding(4);
        Assert.assertTrue(w.visible(10, 10));
        Assert.assertTrue(w.visible(10, 7)); // q - (W - 1)
        Assert.assertFalse(w.visible(10, 6)); // q - W
        Assert.assertFalse(w.visible(10, 11)); // future
        LayerAttention c = LayerAttention.chunked(5);
        Assert.assertTrue(c.visible(9, 5)); // block [5, 10)
        Assert.assertFalse(c.visible(10, 9)); // kB vs kB - 1
        Assert.assertTrue(c.visible(10, 10));
        Assert.assertFalse(c.visible(4, 5));
    }

    @Test
    public void slidingWindowSeesExactlyWKeys() {
        try (NDManager manager = NDManager.newBaseManager()) {
            int w = 4;
            LlamaModel m =
                    TinyModels.random(manager, config(1, List.of(LayerAttention.sliding(w))), 3);
            long[] ids = randomIds(12, 1);
            int q = 9;
            float[] base = fullForward(m, manager, ids).get("0, {}", q).toFloatArray();
            long[] far = ids.clone();
            far[q - w] = (far[q - w] % 90) + 2; // position q - W: outside the window
            Assert.assertEquals(fullForward(m, manager, far).get("0, {}", q).toFloatArray(), base);
            long[] near = ids.clone();
            near[q - w + 1] = (near[q - w + 1] % 90) + 2; // position q - W + 1: inside
            float[] changed = fullForward(m, manager, near).get("0, {}", q).toFloatArray();
            Assert.assertNotEquals(changed, base);
        }
    }

    @Test
    public void chunkedAttentionStopsAtBlockEdges() {
        try (NDManager manager = NDManager.newBaseManager()) {
            int b = 5;
            LlamaModel m =
                    TinyModels.random(manager, config(2, List.of(LayerAttention.chunked(b))), 4);
            long[] ids = randomIds(15, 2);
            // position 10 starts block [10, 15): tokens 5..9 must not matter, token 10 must
            NDArray base = fullForward(m, manager, ids);
            long[] prev = ids.clone();
            prev[9] = (prev[9] % 90) + 2;
            prev[5] = (prev[5] % 90) + 2;
            NDArray a = fullForward(m, manager, prev);
            Assertions.assertClose(a.get("0, 10:15"), base.get("0, 10:15"), 0f);
            long[] same = ids.clone();
            same[10] = (same[10] % 90) + 2;
            float diff =
                    fullForward(m, manager, same)
                            .get("0, 14")
                            .sub(base.get("0, 14"))
                            .abs()
                            .max()
                            .getFloat();
            Assert.assertTrue(diff > 1e-4, "token 10 must influence position 14");
        }
    }

    @Test
    public void ringCachesEqualFullRecomputation() {
        List<List<LayerAttention>> variants = new ArrayList<>();
        variants.add(List.of(LayerAttention.sliding(4)));
        variants.add(List.of(LayerAttention.chunked(5)));
        variants.add(
                List.of(LayerAttention.sliding(3), LayerAttention.FULL, LayerAttention.sliding(3)));
        for (List<LayerAttention> kinds : variants) {
            int layers = kinds.size() == 1 ? 3 : kinds.size();
            try (NDManager manager = NDManager.newBaseManager()) {
                LlamaModel m = TinyModels.random(manager, config(layers, kinds), 5);
                ParameterStore ps = new ParameterStore(manager, false);
                long[] ids = randomIds(30, 7);
                NDArray full = fullForward(m, manager, ids); // cache-free, masks on positions
                // prompt of 13 > window, prefilled in passes of 3, then single tokens
                try (DecoderState state = m.newState(manager, 1, 40, 3)) {
                    int pos = 0;
                    for (int len : new int[] {3, 3, 3, 3, 1}) {
                        long[] chunk = java.util.Arrays.copyOfRange(ids, pos, pos + len);
                        NDArray logits =
                                m.forward(
                                                ps,
                                                manager.create(chunk, new Shape(1, len)),
                                                state,
                                                layers,
                                                false)
                                        .logits();
                        Assertions.assertClose(
                                logits, full.get("0:1, {}:{}", pos, pos + len), 1e-4f);
                        pos += len;
                    }
                    for (; pos < ids.length; pos++) {
                        NDArray logits =
                                m.forward(
                                                ps,
                                                manager.create(
                                                        new long[] {ids[pos]}, new Shape(1, 1)),
                                                state,
                                                layers,
                                                true)
                                        .logits();
                        Assertions.assertClose(logits, full.get("0:1, {}:{}", pos, pos + 1), 1e-4f);
                    }
                    if (kinds.stream().allMatch(LayerAttention::isLocal)) {
                        Assert.assertTrue(state.layer(0).isRing(), kinds.toString());
                    }
                }
            }
        }
    }

    @Test
    public void rollbackAcrossBlockBoundaryIsExact() {
        int b = 5;
        for (List<LayerAttention> kinds :
                List.of(List.of(LayerAttention.chunked(b)), List.of(LayerAttention.sliding(b)))) {
            // a "verification" pass writes positions 7..12 (straddling the block edge at 10), then
            // is rolled back to keep 7..k; decoding continues with other tokens.
            for (int keep : new int[] {8, 9, 10, 11, 12}) {
                try (NDManager manager = NDManager.newBaseManager()) {
                    LlamaModel m = TinyModels.random(manager, config(2, kinds), 9);
                    ParameterStore ps = new ParameterStore(manager, false);
                    long[] ids = randomIds(20, 11);
                    try (DecoderState state = m.newState(manager, 1, 30, 6)) {
                        m.forward(
                                ps,
                                manager.create(java.util.Arrays.copyOf(ids, 7), new Shape(1, 7)),
                                state,
                                2,
                                false);
                        long[] junk = randomIds(6, 99);
                        m.forward(ps, manager.create(junk, new Shape(1, 6)), state, 2, false);
                        // accept junk[0 .. keep-7) as if they were verified drafts
                        state.truncate(keep);
                        long[] seq = new long[20];
                        System.arraycopy(ids, 0, seq, 0, 7);
                        System.arraycopy(junk, 0, seq, 7, keep - 7);
                        System.arraycopy(ids, keep, seq, keep, 20 - keep);
                        NDArray full = fullForward(m, manager, seq);
                        for (int pos = keep; pos < 20; pos++) {
                            NDArray logits =
                                    m.forward(
                                                    ps,
                                                    manager.create(
                                                            new long[] {seq[pos]}, new Shape(1, 1)),
                                                    state,
                                                    2,
                                                    true)
                                            .logits();
                            Assertions.assertClose(
                                    logits, full.get("0:1, {}:{}", pos, pos + 1), 1e-4f);
                        }
                    }
                }
            }
        }
    }

    @Test
    public void kvMemoryDoesNotGrowWithLength() {
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel local =
                    TinyModels.random(manager, config(2, List.of(LayerAttention.sliding(8))), 1);
            LlamaModel full =
                    TinyModels.random(manager, config(2, List.of(LayerAttention.FULL)), 1);
            long small;
            long large;
            try (DecoderState a = local.newState(manager, 1, 100, 8);
                    DecoderState c = local.newState(manager, 1, 10_000, 8)) {
                small = a.kvBytes();
                large = c.kvBytes();
            }
            Assert.assertEquals(large, small);
            try (DecoderState a = full.newState(manager, 1, 100, 8);
                    DecoderState c = full.newState(manager, 1, 10_000, 8)) {
                Assert.assertEquals(c.kvBytes(), a.kvBytes() * 100);
            }
        }
    }
}
