package org.layerskip.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;

import org.layerskip.config.LayerAttention;

import java.util.HashMap;
import java.util.Map;

/**
 * The one cache-free layer loop over whole sequences, for training and evaluation: embed the ids,
 * run layers {@code 0, 1, ...} up to the last one whose output is wanted, and collect the wanted
 * outputs. {@link LlamaModel#forwardExits} puts the shared exit head on them; LayerSkip training
 * ({@code train.SkipForward}) passes a {@link Step} that runs each layer with layer dropout. The
 * cached decoding passes ({@link LlamaModel#runLayers}) are a different loop: they read and write a
 * KV cache.
 *
 * <ul>
 *   <li>input: token ids {@code (B, T)} int64, each in {@code [0, V)}
 *   <li>output: one {@code (B, T, D)} hidden-state array per collected layer, in layer order
 * </ul>
 *
 * <p>Each attention kind (full, sliding window, chunked) gets one set of {@link LayerInputs}
 * ({@link LlamaModel#trainingContext}), shared by its layers.
 */
public final class CacheFreePass {

    /** Runs one layer of the pass. */
    @FunctionalInterface
    public interface Step {

        /**
         * Runs layer {@code layer} over the hidden states.
         *
         * @param layer the 0-based layer index
         * @param block the layer
         * @param h {@code (B, T, D)}
         * @param inputs the cache-free inputs of the layer's attention kind
         * @return {@code (B, T, D)}
         */
        NDArray run(int layer, LlamaDecoderLayer block, NDArray h, LayerInputs inputs);
    }

    private CacheFreePass() {}

    /**
     * Runs the pass with every layer as it is.
     *
     * @param model the model
     * @param ps the parameter store
     * @param ids {@code (B, T)} int64
     * @param collect length L; layer l's output is returned when true
     * @param training whether gradients are recorded
     * @return the collected hidden states, in layer order
     */
    public static NDList run(
            LlamaModel model, ParameterStore ps, NDArray ids, boolean[] collect, boolean training) {
        return run(
                model,
                ps,
                ids,
                collect,
                training,
                (l, block, h, in) -> block.forward(ps, h, in, training));
    }

    /**
     * Runs the pass with each layer run by {@code step}.
     *
     * @param model the model
     * @param ps the parameter store
     * @param ids {@code (B, T)} int64
     * @param collect length L; layer l's output is returned when true; layers after the last
     *     collected one do not run
     * @param training whether gradients are recorded (the embedding lookup's; the step decides for
     *     the layers)
     * @param step runs one layer
     * @return the collected hidden states, in layer order
     * @throws IllegalArgumentException for a mask of the wrong length, or invalid ids
     */
    public static NDList run(
            LlamaModel model,
            ParameterStore ps,
            NDArray ids,
            boolean[] collect,
            boolean training,
            Step step) {
        int numLayers = model.numLayers();
        if (collect == null || collect.length != numLayers) {
            throw new IllegalArgumentException(
                    "collect mask has length "
                            + (collect == null ? "null" : String.valueOf(collect.length))
                            + ", model has "
                            + numLayers);
        }
        int last = lastCollected(collect);
        NDArray h = model.embed(ps, ids, training);
        int t = (int) ids.getShape().get(1);
        Map<LayerAttention, LayerInputs> inputs = new HashMap<>();
        NDList out = new NDList();
        for (int l = 0; l < last; l++) {
            LayerInputs in =
                    inputs.computeIfAbsent(
                            model.getConfig().layerAttention().get(l),
                            kind -> model.trainingContext(ids.getManager(), t, kind));
            h = step.run(l, model.getLayer(l), h, in);
            if (collect[l]) {
                out.add(h);
            }
        }
        return out;
    }

    /**
     * Returns how many layers a pass with this mask runs.
     *
     * @param collect the mask
     * @return 1 + the last collected index, 0 when none is collected
     */
    public static int lastCollected(boolean[] collect) {
        int last = collect.length;
        while (last > 0 && !collect[last - 1]) {
            last--;
        }
        return last;
    }
}
