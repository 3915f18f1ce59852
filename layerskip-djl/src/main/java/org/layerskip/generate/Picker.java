package org.layerskip.generate;

import org.layerskip.engine.TokenSampler;

import java.util.SplittableRandom;

/**
 * The host side of token choice: greedy, or the request's {@link TokenSampler} with one seeded
 * random stream per batch row. Engines choose the token (argmax, or a draw at a uniform); the
 * uniforms come from here, so a row of a batch samples exactly what the same prompt samples alone,
 * on either engine.
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

    /** The sampler, or null for greedy decoding. */
    TokenSampler sampler() {
        return sampler;
    }

    boolean greedy() {
        return sampler == null;
    }

    /**
     * One uniform from a row's stream.
     *
     * @param row batch row
     * @return a uniform in [0, 1)
     */
    double uniform(int row) {
        return rng[row].nextDouble();
    }

    /**
     * One uniform per listed row (null when greedy).
     *
     * @param rows batch rows whose streams advance
     * @return a uniform per row
     */
    double[] uniforms(int[] rows) {
        if (sampler == null) {
            return null;
        }
        double[] u = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            u[i] = rng[rows[i]].nextDouble();
        }
        return u;
    }

    /**
     * {@code n} uniforms per listed row (null when greedy).
     *
     * @param rows batch rows whose streams advance
     * @param n uniforms per row
     * @return {@code [row][n]}
     */
    double[][] uniforms(int[] rows, int n) {
        if (sampler == null) {
            return null;
        }
        double[][] u = new double[rows.length][n];
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < n; j++) {
                u[i][j] = rng[rows[i]].nextDouble();
            }
        }
        return u;
    }
}
