package org.layerskip.generate;

import ai.djl.ndarray.NDArray;

import java.util.SplittableRandom;

/**
 * Chooses next tokens from logits: argmax on the engine for greedy decoding (one small copy to
 * Java), or a seeded draw from the {@link TokenSampler} distribution.
 */
final class Picker {

    private final TokenSampler sampler;
    private final SplittableRandom rng;

    Picker(GenerationOptions options) {
        this.sampler =
                options.greedy()
                        ? null
                        : new TokenSampler(options.temperature(), options.topK(), options.topP());
        this.rng = new SplittableRandom(options.seed());
    }

    boolean greedy() {
        return sampler == null;
    }

    SplittableRandom rng() {
        return rng;
    }

    TokenSampler sampler() {
        return sampler;
    }

    /**
     * Picks one token per row from the last position.
     *
     * @param logits {@code (B, 1, V)}
     * @return B ids
     */
    long[] pick(NDArray logits) {
        if (sampler == null) {
            return logits.argMax(2).toLongArray();
        }
        int b = (int) logits.getShape().get(0);
        int v = (int) logits.getShape().get(2);
        float[] all = logits.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
        long[] out = new long[b];
        float[] row = new float[v];
        for (int r = 0; r < b; r++) {
            System.arraycopy(all, r * v, row, 0, v);
            out[r] = TokenSampler.sample(sampler.distribution(row), rng);
        }
        return out;
    }

    /**
     * Returns the processed distributions of every position of one row.
     *
     * @param logits {@code (1, T, V)}
     * @return T distributions
     */
    double[][] distributions(NDArray logits) {
        int t = (int) logits.getShape().get(1);
        int v = (int) logits.getShape().get(2);
        float[] all = logits.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
        double[][] out = new double[t][];
        float[] row = new float[v];
        for (int i = 0; i < t; i++) {
            System.arraycopy(all, i * v, row, 0, v);
            out[i] = sampler.distribution(row);
        }
        return out;
    }
}
