package org.layerskip.train;

import java.util.Arrays;

/**
 * The sums behind {@link LayerMetrics}: per exit layer, the total negative log-likelihood of the
 * predicted tokens and how many of them the exit's argmax got right, plus the token count. Sums of
 * disjoint parts of a dataset add up ({@link #plus}) to the sums of the whole, so the metrics of a
 * dataset split over many machines are those of one pass over all of it (up to floating-point
 * summation order).
 *
 * @param layers the exit layers E (1-based)
 * @param nll total negative log-likelihood (natural log) at each exit
 * @param correct number of tokens predicted correctly (top-1) at each exit
 * @param tokens number of predicted tokens
 */
public record LayerTotals(int[] layers, double[] nll, long[] correct, long tokens) {

    /**
     * Checks that the arrays line up.
     *
     * @throws IllegalArgumentException if lengths differ or the token count is negative
     */
    public LayerTotals {
        if (layers == null || nll == null || correct == null) {
            throw new IllegalArgumentException("layers, nll and correct must not be null");
        }
        if (nll.length != layers.length || correct.length != layers.length) {
            throw new IllegalArgumentException(
                    "layers, nll and correct must have one entry per exit, got "
                            + layers.length
                            + ", "
                            + nll.length
                            + ", "
                            + correct.length);
        }
        if (tokens < 0) {
            throw new IllegalArgumentException("tokens must be >= 0, got " + tokens);
        }
    }

    /**
     * Returns zero sums for the given exits.
     *
     * @param layers the exit layers
     * @return totals of nothing
     */
    public static LayerTotals zero(int[] layers) {
        return new LayerTotals(
                layers.clone(), new double[layers.length], new long[layers.length], 0);
    }

    /**
     * Adds the sums of another part of the data.
     *
     * @param other totals over the same exits
     * @return the sums of both parts
     * @throws IllegalArgumentException if the exits differ
     */
    public LayerTotals plus(LayerTotals other) {
        if (!Arrays.equals(layers, other.layers)) {
            throw new IllegalArgumentException(
                    "cannot add totals of exits "
                            + Arrays.toString(other.layers)
                            + " to "
                            + Arrays.toString(layers));
        }
        double[] n = nll.clone();
        long[] c = correct.clone();
        for (int e = 0; e < layers.length; e++) {
            n[e] += other.nll[e];
            c[e] += other.correct[e];
        }
        return new LayerTotals(layers.clone(), n, c, tokens + other.tokens);
    }

    /**
     * Turns the sums into perplexity {@code exp(nll / tokens)} and accuracy {@code correct /
     * tokens}.
     *
     * @return the metrics
     * @throws IllegalStateException if no token was evaluated
     */
    public LayerMetrics metrics() {
        if (tokens == 0) {
            throw new IllegalStateException("no token was evaluated");
        }
        double[] ppl = new double[layers.length];
        double[] acc = new double[layers.length];
        for (int e = 0; e < layers.length; e++) {
            ppl[e] = Math.exp(nll[e] / tokens);
            acc[e] = (double) correct[e] / tokens;
        }
        return new LayerMetrics(layers.clone(), ppl, acc, tokens);
    }
}
