package org.layerskip.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;

import org.layerskip.nn.LayerInputs;
import org.layerskip.nn.LlamaDecoderLayer;

import java.util.SplittableRandom;

/**
 * LayerSkip layer dropout (Elhoushi et al. 2024, eq. 1, §4.1.1): x_{l+1} = x_l + M(p_{l,t}) ·
 * f_l(x_l), with M a per-sample Bernoulli that is 0 with probability p_{l,t} from a {@link
 * LayerDropoutSchedule}. As in the paper, the dropped samples are <em>removed</em> from the batch,
 * the layer runs on the kept rows only, and the outputs are concatenated back with the dropped
 * rows, which pass through unchanged; the surviving branch is not rescaled by 1/(1−p).
 *
 * <p><b>Determinism.</b> The decision for (step t, micro-batch k, layer l, row r) comes from a
 * {@link SplittableRandom} seeded from (seed, t, k, l) alone, so a resumed run draws exactly the
 * masks an uninterrupted run would, whatever happened before. Layer dropout is a training-time
 * operation only: at inference call the layer directly (or pass an all-false mask).
 *
 * <p>Immutable and thread-safe.
 */
public final class LayerDropout {

    private final LayerDropoutSchedule schedule;
    private final long seed;

    /**
     * Creates layer dropout with a rate schedule and a seed.
     *
     * @param schedule p_{l,t}
     * @param seed the run seed
     */
    public LayerDropout(LayerDropoutSchedule schedule, long seed) {
        this.schedule = schedule;
        this.seed = seed;
    }

    /**
     * Draws which rows skip layer {@code layer} at global step {@code step}, micro-batch {@code
     * microBatch} (a pure function of its arguments and the seed).
     *
     * @param step the 0-based global optimizer step t
     * @param microBatch the micro-batch index k within the step (gradient accumulation), from 0
     * @param layer l
     * @param batch B, the number of rows
     * @return a fresh array of length B; true where the row skips the layer
     */
    public boolean[] dropMask(long step, int microBatch, int layer, int batch) {
        double p = schedule.rate(layer, step);
        boolean[] drop = new boolean[batch];
        if (p <= 0.0) {
            return drop;
        }
        SplittableRandom rng = new SplittableRandom(mix(seed, step, microBatch, layer));
        for (int r = 0; r < batch; r++) {
            drop[r] = rng.nextDouble() < p;
        }
        return drop;
    }

    /** A 64-bit hash of (seed, step, micro-batch, layer) (SplitMix64 finaliser per component). */
    static long mix(long seed, long step, int microBatch, int layer) {
        long h = seed;
        h = splitmix(h ^ step);
        h = splitmix(h ^ microBatch);
        h = splitmix(h ^ layer);
        return h;
    }

    private static long splitmix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Runs one decoder layer on the rows of {@code h} that are not dropped and passes the dropped
     * rows through unchanged (eq. 1 with per-sample M). The layer's compute is spent on the kept
     * rows only: they are gathered into a smaller batch, run, and scattered back (by exact one-hot
     * selection matmuls). Differentiable.
     *
     * @param ps the parameter store
     * @param layer the decoder layer f_l (plus its residual)
     * @param h hidden states {@code (B, T, D)}
     * @param ctx a batch-broadcastable context, e.g. {@link
     *     org.layerskip.nn.LlamaModel#trainingContext}
     * @param drop length B; true where the row skips the layer
     * @param training whether gradients are recorded
     * @return {@code (B, T, D)}: the layer output on kept rows, {@code h} on dropped rows
     */
    public static NDArray apply(
            ParameterStore ps,
            LlamaDecoderLayer layer,
            NDArray h,
            LayerInputs ctx,
            boolean[] drop,
            boolean training) {
        int b = drop.length;
        if (h.getShape().get(0) != b) {
            throw new IllegalArgumentException(
                    "drop mask has " + b + " rows but the batch has " + h.getShape().get(0));
        }
        int kept = 0;
        for (boolean d : drop) {
            kept += d ? 0 : 1;
        }
        if (kept == b) {
            return layer.forward(ps, h, ctx, training);
        }
        if (kept == 0) {
            return h;
        }
        // Gather and scatter with one-hot selection matrices (exact: each output element is 1·x
        // plus exact zeros), not DJL's integer-array indexing.
        float[] select = new float[kept * b]; // (kept, B), row j picks the j-th kept row
        float[] passMask = new float[b]; // 1 where the row is dropped and passes through
        int j = 0;
        for (int r = 0; r < b; r++) {
            if (drop[r]) {
                passMask[r] = 1f;
            } else {
                select[j++ * b + r] = 1f;
            }
        }
        NDManager m = h.getManager();
        DataType dt = h.getDataType();
        Shape shape = h.getShape();
        NDArray sel = m.create(select, new Shape(kept, b)).toType(dt, false); // (kept, B)
        NDArray keptRows = sel.matMul(h.reshape(b, -1)).reshape(kept, shape.get(1), shape.get(2));
        NDArray out = layer.forward(ps, keptRows, ctx, training); // (kept, T, D)
        NDArray back = sel.transpose().matMul(out.reshape(kept, -1)).reshape(shape); // (B, T, D)
        NDArray pass = m.create(passMask, new Shape(b, 1, 1)).toType(dt, false); // (B, 1, 1)
        return h.mul(pass).add(back);
    }
}
