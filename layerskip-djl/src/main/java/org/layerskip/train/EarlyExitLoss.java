package org.layerskip.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;

import org.layerskip.nn.LlamaModel;

/**
 * The LayerSkip early-exit loss (Elhoushi et al. 2024, eq. 5): J = Σ_l ẽ(t,l) · J_CE(g(x_{l+1}),
 * Y), with g the model's shared exit head (final RMSNorm + LM head) and ẽ the normalised weights of
 * {@link EarlyExitLossWeights} over the layers a curriculum enables.
 *
 * <p>All enabled exits go through the head in <em>one</em> batched call: the E hidden states {@code
 * (B, T, D)} are stacked into {@code (E, B, T, D)}, normalised and unembedded together, and the
 * cross-entropy is reduced per exit. {@code J_CE} is the mean over the B·T tokens of −log p(label).
 *
 * <p>Shapes: B batch, T positions, D hidden, V vocabulary, E enabled exits.
 */
public final class EarlyExitLoss {

    private EarlyExitLoss() {}

    /**
     * The loss and its per-exit parts.
     *
     * @param total the weighted loss, a scalar
     * @param perExit J_CE of each exit {@code (E)}, in the order of the hidden states
     */
    public record Result(NDArray total, NDArray perExit) {}

    /**
     * Computes eq. 5 over the given exits.
     *
     * @param model the model (its exit head is used)
     * @param ps the parameter store
     * @param hidden E hidden states {@code (B, T, D)}: the outputs of the enabled layers
     * @param weights ẽ of each hidden state, length E (e.g. the non-zero entries of {@link
     *     EarlyExitLossWeights#normalized(boolean[])} in layer order)
     * @param labels next-token labels {@code (B, T)} int64, aligned with the hidden states'
     *     positions
     * @return the weighted total and the per-exit cross-entropies
     */
    public static Result compute(
            LlamaModel model, ParameterStore ps, NDList hidden, double[] weights, NDArray labels) {
        int e = hidden.size();
        if (e == 0 || weights.length != e) {
            throw new IllegalArgumentException(
                    "need one weight per exit: " + e + " exits, " + weights.length + " weights");
        }
        NDArray stacked = e == 1 ? hidden.get(0).expandDims(0) : NDArrays.stack(hidden, 0);
        NDArray logits = model.head(ps, stacked); // (E, B, T, V)
        NDArray perExit = crossEntropy(logits, labels); // (E)
        float[] w = new float[e];
        for (int i = 0; i < e; i++) {
            w[i] = (float) weights[i];
        }
        NDArray total = perExit.mul(labels.getManager().create(w)).sum();
        return new Result(total, perExit);
    }

    /**
     * Mean token cross-entropy per leading index: for logits {@code (E, B, T, V)} and labels {@code
     * (B, T)}, returns {@code (E)} with element e = mean_{b,t} −log
     * softmax(logits[e,b,t])[label[b,t]].
     *
     * @param logits {@code (E, B, T, V)}
     * @param labels {@code (B, T)} int64
     * @return {@code (E)}
     */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        long e = logits.getShape().get(0);
        NDArray logp = logits.logSoftmax(-1); // (E, B, T, V)
        NDArray idx =
                labels.toType(DataType.INT64, false)
                        .expandDims(0)
                        .expandDims(-1)
                        .repeat(0, e); // (E, B, T, 1)
        NDArray picked = logp.gather(idx, -1); // (E, B, T, 1)
        return picked.reshape(e, -1).neg().mean(new int[] {1}); // (E)
    }
}
