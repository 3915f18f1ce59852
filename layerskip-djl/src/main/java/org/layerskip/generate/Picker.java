package org.layerskip.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

import java.util.SplittableRandom;

/**
 * Chooses next tokens from logits: argmax on the engine for greedy decoding (one small copy to
 * Java), or a seeded draw from the {@link TokenSampler} distribution. Every batch row has its own
 * random stream seeded with the options' seed, so a row of a batch samples exactly what the same
 * prompt samples alone.
 */
final class Picker {

    private final TokenSampler sampler;
    private final SplittableRandom[] rng;

    Picker(GenerationOptions options, int rows) {
        this.sampler =
                options.greedy()
                        ? null
                        : new TokenSampler(options.temperature(), options.topK(), options.topP());
        this.rng = new SplittableRandom[rows];
        for (int r = 0; r < rows; r++) {
            rng[r] = new SplittableRandom(options.seed());
        }
    }

    boolean greedy() {
        return sampler == null;
    }

    /**
     * Picks one token per row from the last position.
     *
     * @param logits {@code (B, 1, V)}
     * @param active rows whose random stream may advance (others get -1)
     * @return B ids
     */
    long[] pick(NDArray logits, boolean[] active) {
        if (sampler == null) {
            return logits.argMax(2).toLongArray();
        }
        double[][][] d = distributions(logits);
        long[] out = new long[d.length];
        for (int r = 0; r < d.length; r++) {
            out[r] = active[r] ? sample(d[r][0], r) : -1;
        }
        return out;
    }

    /**
     * Greedy choices at every position.
     *
     * @param logits {@code (B, T, V)}
     * @return {@code [B][T]} argmax ids
     */
    long[][] argmax(NDArray logits) {
        int b = (int) logits.getShape().get(0);
        int t = (int) logits.getShape().get(1);
        long[] flat = logits.argMax(2).toLongArray();
        long[][] out = new long[b][t];
        for (int r = 0; r < b; r++) {
            System.arraycopy(flat, r * t, out[r], 0, t);
        }
        return out;
    }

    /**
     * Returns the processed distributions at every position of every row.
     *
     * @param logits {@code (B, T, V)}
     * @return {@code [B][T][V]}
     */
    double[][][] distributions(NDArray logits) {
        int b = (int) logits.getShape().get(0);
        int t = (int) logits.getShape().get(1);
        int v = (int) logits.getShape().get(2);
        float[] all =
                logits.getDataType() == DataType.FLOAT32
                        ? logits.toFloatArray()
                        : logits.toType(DataType.FLOAT32, false).toFloatArray();
        double[][][] out = new double[b][t][];
        float[] row = new float[v];
        for (int r = 0; r < b; r++) {
            for (int i = 0; i < t; i++) {
                System.arraycopy(all, (r * t + i) * v, row, 0, v);
                out[r][i] = sampler.distribution(row);
            }
        }
        return out;
    }

    /** Draws from a distribution with row {@code r}'s stream. */
    long sample(double[] dist, int r) {
        return TokenSampler.sample(dist, rng[r]);
    }

    /** A uniform draw in [0, 1) from row {@code r}'s stream. */
    double uniform(int r) {
        return rng[r].nextDouble();
    }
}
