package org.layerskip.train;

import java.util.Arrays;

/**
 * The LayerSkip layer-dropout rate p_{l,t} = S(t) · D(l) · p_max (Elhoushi et al. 2024, eq. 2),
 * with D(l) a {@link LayerScale} (eq. 3) and S(t) a {@link TimeCurriculum} (eq. 4). p_{l,t} is the
 * probability that the residual branch f_l of layer l is skipped for one sample at step t (eq. 1);
 * the surviving branch is not rescaled.
 *
 * <p>Immutable; {@link #rate(int, long)} is a pure function of the layer and the global step, so a
 * run resumed at step t gets exactly the rates an uninterrupted run would. Built the DJL way:
 *
 * <pre>{@code
 * LayerDropoutSchedule schedule = LayerDropoutSchedule.builder()
 *         .setMaxRate(0.1)                           // p_max
 *         .setNumLayers(32)                          // L
 *         .optLayerScale(LayerScale.EXP)             // D(l), default EXP
 *         .optTimeCurriculum(TimeCurriculum.EXP)     // S(t), default CONSTANT
 *         .optTotalSteps(50_000)                     // T, required by TimeCurriculum.EXP
 *         .build();
 * double p = schedule.rate(16, step);
 * }</pre>
 */
public final class LayerDropoutSchedule {

    private final double maxRate;
    private final int numLayers;
    private final LayerScale layerScale;
    private final TimeCurriculum timeCurriculum;
    private final long totalSteps;
    private final boolean[] droppable;
    private final double[] layerRates; // D(l) * p_max, 0 where not droppable

    private LayerDropoutSchedule(Builder builder, long totalSteps) {
        maxRate = builder.maxRate;
        numLayers = builder.numLayers;
        layerScale = builder.layerScale;
        timeCurriculum = builder.timeCurriculum;
        this.totalSteps = totalSteps;
        droppable = new boolean[numLayers];
        if (builder.layers == null) {
            Arrays.fill(droppable, true);
        } else {
            for (int layer : builder.layers) {
                droppable[layer] = true;
            }
        }
        layerRates = new double[numLayers];
        for (int l = 0; l < numLayers; l++) {
            layerRates[l] = droppable[l] ? layerScale.scale(l, numLayers) * maxRate : 0.0;
        }
    }

    /**
     * Creates a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns p_{l,t} = S(t) · D(l) · p_max (LayerSkip eq. 2); 0 for a layer excluded by {@link
     * Builder#optLayers(int...)}.
     *
     * @param layer the 0-based layer l, in [0, L)
     * @param step the 0-based global optimizer step t, at least 0
     * @return the per-sample drop probability of layer l at step t, in [0, p_max]
     * @throws IllegalArgumentException if the layer or step is out of range
     */
    public double rate(int layer, long step) {
        if (layer < 0 || layer >= numLayers) {
            throw new IllegalArgumentException(
                    "layer must be in [0, " + numLayers + "), got " + layer);
        }
        return timeCurriculum.factor(step, totalSteps) * layerRates[layer];
    }

    /**
     * Returns p_{l,t} for every layer l (LayerSkip eq. 2).
     *
     * @param step the 0-based global optimizer step t, at least 0
     * @return a fresh array of length L; element l is {@link #rate(int, long) rate(l, step)}
     * @throws IllegalArgumentException if the step is negative
     */
    public double[] rates(long step) {
        double s = timeCurriculum.factor(step, totalSteps);
        double[] rates = new double[numLayers];
        for (int l = 0; l < numLayers; l++) {
            rates[l] = s * layerRates[l];
        }
        return rates;
    }

    /**
     * Returns p_max.
     *
     * @return the maximum rate, in [0, 1)
     */
    public double getMaxRate() {
        return maxRate;
    }

    /**
     * Returns L.
     *
     * @return the number of layers
     */
    public int getNumLayers() {
        return numLayers;
    }

    /**
     * Returns the depth scale D(l) (eq. 3).
     *
     * @return the layer scale
     */
    public LayerScale getLayerScale() {
        return layerScale;
    }

    /**
     * Returns the time curriculum S(t) (eq. 4).
     *
     * @return the time curriculum
     */
    public TimeCurriculum getTimeCurriculum() {
        return timeCurriculum;
    }

    /**
     * Returns T, the step count over which {@link TimeCurriculum#EXP} rises (1 if never set).
     *
     * @return the total number of steps
     */
    public long getTotalSteps() {
        return totalSteps;
    }

    /**
     * Returns whether layer dropout applies to a layer at all.
     *
     * @param layer the 0-based layer, in [0, L)
     * @return false if the layer was excluded by {@link Builder#optLayers(int...)}
     */
    public boolean isDroppable(int layer) {
        if (layer < 0 || layer >= numLayers) {
            throw new IllegalArgumentException(
                    "layer must be in [0, " + numLayers + "), got " + layer);
        }
        return droppable[layer];
    }

    @Override
    public String toString() {
        return "LayerDropoutSchedule{pMax="
                + maxRate
                + ", L="
                + numLayers
                + ", scale="
                + layerScale
                + ", time="
                + timeCurriculum
                + ", T="
                + totalSteps
                + '}';
    }

    /** Builder of a {@link LayerDropoutSchedule}; {@link #build()} validates every field. */
    public static final class Builder {

        private double maxRate = Double.NaN;
        private int numLayers = -1;
        private LayerScale layerScale = LayerScale.EXP;
        private TimeCurriculum timeCurriculum = TimeCurriculum.CONSTANT;
        private long totalSteps = -1;
        private int[] layers;

        private Builder() {}

        /**
         * Sets p_max, the rate of the deepest layer at the end of the time curriculum (required).
         *
         * @param maxRate p_max, in [0, 1); the paper uses 0.1 or 0.2
         * @return this builder
         */
        public Builder setMaxRate(double maxRate) {
            this.maxRate = maxRate;
            return this;
        }

        /**
         * Sets L, the number of decoder layers (required).
         *
         * @param numLayers L, at least 1
         * @return this builder
         */
        public Builder setNumLayers(int numLayers) {
            this.numLayers = numLayers;
            return this;
        }

        /**
         * Sets the depth scale D(l) (eq. 3); default {@link LayerScale#EXP}, the paper's.
         *
         * @param layerScale the scale
         * @return this builder
         */
        public Builder optLayerScale(LayerScale layerScale) {
            this.layerScale = layerScale;
            return this;
        }

        /**
         * Sets the time curriculum S(t) (eq. 4); default {@link TimeCurriculum#CONSTANT}.
         *
         * @param timeCurriculum the curriculum
         * @return this builder
         */
        public Builder optTimeCurriculum(TimeCurriculum timeCurriculum) {
            this.timeCurriculum = timeCurriculum;
            return this;
        }

        /**
         * Sets T, the number of training steps; required with {@link TimeCurriculum#EXP}, ignored
         * by {@link TimeCurriculum#CONSTANT}.
         *
         * @param totalSteps T, at least 1
         * @return this builder
         */
        public Builder optTotalSteps(long totalSteps) {
            this.totalSteps = totalSteps;
            return this;
        }

        /**
         * Restricts layer dropout to some layers (torchtune's {@code layer_dropout.layers}); the
         * others get rate 0. D(l) keeps using the layer's position in the full stack. Default: all
         * layers. Use {@link LayerSelection#parse(String, int)} to get the array from a spec such
         * as {@code ":"}.
         *
         * @param layers the droppable layers, each in [0, L)
         * @return this builder
         */
        public Builder optLayers(int... layers) {
            this.layers = layers == null ? null : layers.clone();
            return this;
        }

        /**
         * Validates the fields and builds the schedule.
         *
         * @return the schedule
         * @throws IllegalArgumentException naming the first invalid or missing field
         */
        public LayerDropoutSchedule build() {
            if (Double.isNaN(maxRate)) {
                throw new IllegalArgumentException("maxRate (p_max) is required: call setMaxRate");
            }
            if (!(maxRate >= 0.0 && maxRate < 1.0)) {
                throw new IllegalArgumentException(
                        "maxRate (p_max) must be in [0, 1), got " + maxRate);
            }
            if (numLayers == -1) {
                throw new IllegalArgumentException("numLayers (L) is required: call setNumLayers");
            }
            if (numLayers < 1) {
                throw new IllegalArgumentException("numLayers (L) must be >= 1, got " + numLayers);
            }
            if (layerScale == null) {
                throw new IllegalArgumentException("layerScale must not be null");
            }
            if (timeCurriculum == null) {
                throw new IllegalArgumentException("timeCurriculum must not be null");
            }
            long steps = totalSteps;
            if (steps == -1) {
                steps =
                        switch (timeCurriculum) {
                            case CONSTANT -> 1; // S(t) = 1 never reads T
                            case EXP ->
                                    throw new IllegalArgumentException(
                                            "totalSteps (T) is required with TimeCurriculum.EXP:"
                                                    + " call optTotalSteps");
                        };
            }
            if (steps < 1) {
                throw new IllegalArgumentException("totalSteps (T) must be >= 1, got " + steps);
            }
            if (layers != null) {
                for (int layer : layers) {
                    if (layer < 0 || layer >= numLayers) {
                        throw new IllegalArgumentException(
                                "layers: layer " + layer + " is outside [0, " + numLayers + ")");
                    }
                }
            }
            return new LayerDropoutSchedule(this, steps);
        }
    }
}
