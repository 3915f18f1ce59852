package org.layerskip.examples;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;

import org.layerskip.nn.LlamaModel;

import java.util.ArrayList;
import java.util.List;

/**
 * Held-out next-token loss by position inside the window, at the last layer: position {@code j}
 * predicts token {@code j + 1} of a window from tokens {@code 0..j} (all of the same document, see
 * {@link LongDocuments}), so high positions are where long context can help.
 */
public final class PositionPerplexity {

    /**
     * Perplexity over the positions {@code [from, to)} of every window.
     *
     * @param from first position
     * @param to position after the last
     * @param tokens tokens scored
     * @param perplexity exp of their mean negative log-likelihood
     */
    public record Bucket(int from, int to, long tokens, double perplexity) {}

    private PositionPerplexity() {}

    /**
     * Computes the mean negative log-likelihood at each position.
     *
     * @param model the model
     * @param windows held-out windows of {@code T + 1} tokens
     * @param batchSize rows per forward pass
     * @return length T: mean NLL (nats) of position j over the windows
     */
    public static double[] meanNll(LlamaModel model, long[][] windows, int batchSize) {
        int t = windows[0].length - 1;
        double[] sum = new double[t];
        NDManager owner = model.getEmbedding().getArray().getManager();
        ParameterStore ps = new ParameterStore(owner, false);
        int[] last = {model.numLayers()};
        for (int start = 0; start < windows.length; start += batchSize) {
            int n = Math.min(batchSize, windows.length - start);
            long[] flat = new long[n * (t + 1)];
            for (int r = 0; r < n; r++) {
                System.arraycopy(windows[start + r], 0, flat, r * (t + 1), t + 1);
            }
            try (NDManager sub = owner.newSubManager()) {
                NDArray batch = sub.create(flat, new Shape(n, t + 1));
                NDArray input = batch.get(":, :-1");
                NDArray labels = batch.get(":, 1:").expandDims(-1); // (B, T, 1)
                NDArray logits = model.forwardExits(ps, input, last, false).head(); // (B, T, V)
                NDArray nll = logits.logSoftmax(-1).gather(labels, -1).neg(); // (B, T, 1)
                double[] perPosition =
                        nll.reshape(n, t)
                                .sum(new int[] {0})
                                .toType(DataType.FLOAT64, false)
                                .toDoubleArray();
                for (int j = 0; j < t; j++) {
                    sum[j] += perPosition[j];
                }
            }
        }
        for (int j = 0; j < t; j++) {
            sum[j] /= windows.length;
        }
        return sum;
    }

    /**
     * Buckets positions as {@code [0, w), [w, 2w), [2w, 4w), ...} up to T, so the first bucket is
     * where a window (or block) of {@code w} still sees the whole prefix.
     *
     * @param meanNll per-position mean NLL from {@link #meanNll}
     * @param windows the number of windows it averages
     * @param w the first bucket's width
     * @return the buckets, then one bucket over all positions
     */
    public static List<Bucket> buckets(double[] meanNll, int windows, int w) {
        List<Bucket> out = new ArrayList<>();
        int from = 0;
        int to = Math.min(w, meanNll.length);
        while (from < meanNll.length) {
            out.add(bucket(meanNll, windows, from, to));
            from = to;
            to = Math.min(2 * to, meanNll.length);
        }
        out.add(bucket(meanNll, windows, 0, meanNll.length));
        return out;
    }

    /**
     * Splits the positions past the first block by their offset inside a block of {@code w}: the
     * first {@code w / 8} positions of each block (where disjoint blocks see almost no context) and
     * the rest.
     *
     * @param meanNll per-position mean NLL from {@link #meanNll}
     * @param w the block size
     * @return {@code {perplexity at block edges, perplexity inside blocks}}
     */
    public static double[] blockEdges(double[] meanNll, int w) {
        int edge = Math.max(1, w / 8);
        double[] sum = new double[2];
        int[] count = new int[2];
        for (int j = w; j < meanNll.length; j++) {
            int k = j % w < edge ? 0 : 1;
            sum[k] += meanNll[j];
            count[k]++;
        }
        return new double[] {
            count[0] == 0 ? Double.NaN : Math.exp(sum[0] / count[0]),
            count[1] == 0 ? Double.NaN : Math.exp(sum[1] / count[1])
        };
    }

    private static Bucket bucket(double[] meanNll, int windows, int from, int to) {
        double s = 0;
        for (int j = from; j < to; j++) {
            s += meanNll[j];
        }
        return new Bucket(from, to, (long) windows * (to - from), Math.exp(s / (to - from)));
    }
}
