package org.layerskip.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;

import org.layerskip.nn.LlamaModel;

import java.util.function.IntConsumer;

/**
 * Measures perplexity and next-token accuracy at every exit layer on held-out windows: the quality
 * curve of early-exit inference (Elhoushi et al. 2024, Tables 1–2 report the same per-layer
 * perplexity). Each batch takes one {@link LlamaModel#forwardExits} call with every exit.
 */
public final class LayerEvaluator {

    private LayerEvaluator() {}

    /**
     * Evaluates every exit {@code 1..L}.
     *
     * @param model the model
     * @param data windows; the model reads all but the last token of each and predicts the rest
     * @param batchSize rows per forward pass
     * @return per-layer perplexity and accuracy
     */
    public static LayerMetrics evaluate(LlamaModel model, TokenSequences data, int batchSize) {
        int numLayers = model.numLayers();
        int[] exits = new int[numLayers];
        for (int i = 0; i < numLayers; i++) {
            exits[i] = i + 1;
        }
        return evaluate(model, data, batchSize, exits);
    }

    /**
     * Evaluates the given exits.
     *
     * @param model the model
     * @param data held-out windows
     * @param batchSize rows per forward pass
     * @param exits exit layers in {@code [1, L]}, ascending
     * @return per-exit perplexity and accuracy
     */
    public static LayerMetrics evaluate(
            LlamaModel model, TokenSequences data, int batchSize, int[] exits) {
        return evaluate(model, data, batchSize, exits, n -> {});
    }

    /**
     * Evaluates the given exits and reports progress; the numbers equal those of {@link
     * #evaluate(LlamaModel, TokenSequences, int, int[])}.
     *
     * @param model the model
     * @param data held-out windows
     * @param batchSize rows per forward pass
     * @param exits exit layers in {@code [1, L]}, ascending
     * @param progress called after each batch with the number of windows it held
     * @return per-exit perplexity and accuracy
     */
    public static LayerMetrics evaluate(
            LlamaModel model,
            TokenSequences data,
            int batchSize,
            int[] exits,
            IntConsumer progress) {
        return totals(model, data, batchSize, exits, progress).metrics();
    }

    /**
     * Returns the per-exit sums (negative log-likelihood, correct predictions, tokens) that {@link
     * #evaluate} turns into metrics; sums of disjoint parts of a dataset can be added with {@link
     * LayerTotals#plus} (how a distributed evaluation reduces its parts).
     *
     * @param model the model
     * @param data held-out windows
     * @param batchSize rows per forward pass
     * @param exits exit layers in {@code [1, L]}, ascending
     * @param progress called after each batch with the number of windows it held
     * @return the sums
     */
    public static LayerTotals totals(
            LlamaModel model,
            TokenSequences data,
            int batchSize,
            int[] exits,
            IntConsumer progress) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        NDManager owner = model.getEmbedding().getArray().getManager();
        ParameterStore ps = new ParameterStore(owner, false);
        double[] nll = new double[exits.length];
        long[] correct = new long[exits.length];
        long tokens = 0;
        for (int start = 0; start < data.size(); start += batchSize) {
            int n = Math.min(batchSize, data.size() - start);
            int[] rows = new int[n];
            for (int j = 0; j < n; j++) {
                rows[j] = start + j;
            }
            try (NDManager sub = owner.newSubManager()) {
                NDArray batch = data.rows(sub, rows);
                NDArray input = batch.get(":, :-1");
                NDArray labels = batch.get(":, 1:");
                NDList logits = model.forwardExits(ps, input, exits, false);
                NDArray idx = labels.expandDims(-1); // (B, T, 1)
                for (int e = 0; e < exits.length; e++) {
                    NDArray lg = logits.get(e).toType(DataType.FLOAT32, false); // (B, T, V)
                    NDArray logp = lg.logSoftmax(-1);
                    nll[e] -=
                            logp.gather(idx, -1).toType(DataType.FLOAT64, false).sum().getDouble();
                    correct[e] += lg.argMax(-1).eq(labels).sum().getLong();
                }
                tokens += labels.size();
            }
            progress.accept(n);
        }
        return new LayerTotals(exits.clone(), nll, correct, tokens);
    }
}
