package org.layerskip.engine;

import java.util.Arrays;

/**
 * Turns one row of logits into a probability distribution with the Hugging Face warper order
 * (temperature, then top-k, then top-p) and draws from it. DJL's PyTorch engine has no multinomial
 * sampling, hence this class; it works on a Java copy of the logits so that draws are reproducible
 * from a seed and the exact distributions are available to speculative acceptance.
 */
public final class TokenSampler {

    private final double temperature;
    private final int topK;
    private final double topP;

    /**
     * Creates a sampler.
     *
     * @param temperature &gt; 0
     * @param topK 0 disables
     * @param topP 1 disables
     */
    public TokenSampler(double temperature, int topK, double topP) {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException(
                    "sampling needs temperature > 0, got " + temperature);
        }
        this.temperature = temperature;
        this.topK = topK;
        this.topP = topP;
    }

    /**
     * Returns the sampling distribution for one row of logits.
     *
     * @param logits {@code V} logits (not modified)
     * @return {@code V} probabilities summing to 1, zero outside the kept set
     */
    public double[] distribution(float[] logits) {
        int v = logits.length;
        double max = Double.NEGATIVE_INFINITY;
        for (float x : logits) {
            max = Math.max(max, x);
        }
        double[] p = new double[v];
        double sum = 0;
        for (int i = 0; i < v; i++) {
            double e = Math.exp((logits[i] - max) / temperature);
            p[i] = e;
            sum += e;
        }
        for (int i = 0; i < v; i++) {
            p[i] /= sum;
        }
        if ((topK > 0 && topK < v) || topP < 1) {
            int[] idx = sortedDescending(p);
            int keep = v;
            if (topK > 0 && topK < v) {
                keep = topK;
            }
            if (topP < 1) {
                double kept = 0;
                for (int i = 0; i < keep; i++) {
                    kept += p[idx[i]];
                }
                double cum = 0;
                for (int i = 0; i < keep; i++) {
                    cum += p[idx[i]] / kept;
                    if (cum >= topP) {
                        keep = i + 1;
                        break;
                    }
                }
            }
            double[] q = new double[v];
            double s = 0;
            for (int i = 0; i < keep; i++) {
                q[idx[i]] = p[idx[i]];
                s += p[idx[i]];
            }
            for (int i = 0; i < keep; i++) {
                q[idx[i]] /= s;
            }
            return q;
        }
        return p;
    }

    /**
     * Draws one index from a distribution by inverting its cumulative sum at {@code u}: the first
     * index whose cumulative probability exceeds {@code u} (the fused engine draws the same way on
     * the device, from the same host-drawn {@code u}).
     *
     * @param probs probabilities summing to 1
     * @param u a uniform draw in {@code [0, 1)}
     * @return the index
     */
    public static int sample(double[] probs, double u) {
        double cum = 0;
        int last = -1;
        for (int i = 0; i < probs.length; i++) {
            if (probs[i] > 0) {
                cum += probs[i];
                last = i;
                if (u < cum) {
                    return i;
                }
            }
        }
        return last; // rounding: u >= the summed mass
    }

    /**
     * The residual distribution of speculative sampling after a rejection, {@code norm(max(0, p -
     * q))}; {@code p} itself if the difference vanishes numerically.
     *
     * @param p the target distribution
     * @param q the draft distribution
     * @return the residual distribution
     */
    public static double[] residual(double[] p, double[] q) {
        double[] r = new double[p.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            r[i] = Math.max(0, p[i] - q[i]);
            sum += r[i];
        }
        if (sum <= 0) {
            return p;
        }
        for (int i = 0; i < p.length; i++) {
            r[i] /= sum;
        }
        return r;
    }

    /**
     * Returns the temperature.
     *
     * @return T &gt; 0
     */
    public double temperature() {
        return temperature;
    }

    /**
     * Returns top-k (0 = off).
     *
     * @return k
     */
    public int topK() {
        return topK;
    }

    /**
     * Returns top-p (1 = off).
     *
     * @return p
     */
    public double topP() {
        return topP;
    }

    /** Indices sorted by descending probability (ties by index), via packed primitive sort. */
    private static int[] sortedDescending(double[] p) {
        long[] packed = new long[p.length];
        for (int i = 0; i < p.length; i++) {
            // probabilities are >= 0, so their float bits order like the values
            long bits = Float.floatToIntBits((float) p[i]);
            packed[i] = ((0x7FFFFFFFL - bits) << 32) | i;
        }
        Arrays.sort(packed);
        int[] idx = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            idx[i] = (int) packed[i];
        }
        return idx;
    }
}
