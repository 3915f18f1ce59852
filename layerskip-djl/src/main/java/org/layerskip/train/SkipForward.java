package org.layerskip.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;

import org.layerskip.nn.CacheFreePass;
import org.layerskip.nn.LlamaModel;

import java.util.Arrays;

/**
 * The cache-free training forward pass of LayerSkip: the model's one cache-free loop ({@link
 * CacheFreePass}, also under {@link LlamaModel#forwardExits}) with per-sample {@link LayerDropout}
 * on every layer, collecting the hidden states of the layers whose exit is in the loss, and
 * counting the layer rows that ran.
 */
public final class SkipForward {

    private SkipForward() {}

    /**
     * Counts of layer-rows in a pass: how many (layer, row) pairs the layers were asked to run and
     * how many actually ran. With B rows and L layers, {@code scheduled = B·L}.
     */
    public static final class Compute {
        private long scheduled;
        private long run;
        private long[] runPerLayer = new long[0];

        /**
         * Returns how many rows each layer ran on.
         *
         * @param layer l
         * @return rows run by layer l, summed over passes
         */
        public long runOfLayer(int layer) {
            return layer < runPerLayer.length ? runPerLayer[layer] : 0;
        }

        /**
         * Returns the number of (layer, row) pairs seen.
         *
         * @return B·L summed over passes
         */
        public long scheduled() {
            return scheduled;
        }

        /**
         * Returns the number of (layer, row) pairs whose layer actually ran.
         *
         * @return at most {@link #scheduled()}
         */
        public long run() {
            return run;
        }

        /**
         * Returns the skipped fraction.
         *
         * @return {@code 1 - run/scheduled}, 0 when nothing was scheduled
         */
        public double skippedFraction() {
            return scheduled == 0 ? 0.0 : 1.0 - (double) run / scheduled;
        }

        void add(int layer, long scheduledRows, long runRows) {
            if (layer >= runPerLayer.length) {
                runPerLayer = Arrays.copyOf(runPerLayer, layer + 1);
            }
            runPerLayer[layer] += runRows;
            scheduled += scheduledRows;
            run += runRows;
        }
    }

    /**
     * Runs the layers over whole sequences with layer dropout and returns the outputs of the
     * requested layers: {@link CacheFreePass} with each layer run by {@link LayerDropout#apply}.
     *
     * @param model the model
     * @param ps the parameter store
     * @param ids input token ids {@code (B, T)} int64
     * @param dropout layer dropout, or null for none
     * @param step the global optimizer step (selects the dropout masks)
     * @param microBatch the micro-batch index within the step
     * @param collect length L; layer l's output {@code (B, T, D)} is returned when true
     * @param training whether gradients are recorded
     * @param compute receives the layer-row counts, or null
     * @return the collected hidden states, in layer order
     */
    public static NDList run(
            LlamaModel model,
            ParameterStore ps,
            NDArray ids,
            LayerDropout dropout,
            long step,
            int microBatch,
            boolean[] collect,
            boolean training,
            Compute compute) {
        NDList out =
                CacheFreePass.run(
                        model,
                        ps,
                        ids,
                        collect,
                        training,
                        (l, layer, h, in) -> {
                            int b = (int) h.getShape().get(0);
                            boolean[] drop =
                                    dropout == null
                                            ? new boolean[b]
                                            : dropout.dropMask(step, microBatch, l, b);
                            if (compute != null) {
                                int kept = 0;
                                for (boolean d : drop) {
                                    kept += d ? 0 : 1;
                                }
                                compute.add(l, b, kept);
                            }
                            return LayerDropout.apply(ps, layer, h, in, drop, training);
                        });
        if (compute != null) {
            long b = ids.getShape().get(0);
            for (int l = CacheFreePass.lastCollected(collect); l < model.numLayers(); l++) {
                compute.add(l, b, 0); // layers past the last collected exit never run
            }
        }
        return out;
    }
}
