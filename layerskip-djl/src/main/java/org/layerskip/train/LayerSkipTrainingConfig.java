package org.layerskip.train;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;

/**
 * Hyperparameters of a LayerSkip training run (Elhoushi et al. 2024, §4.1 and §5): the recipe knobs
 * p_max, D(l), S(t), e_scale, C and R, plus the optimisation settings. Immutable; build it with
 * {@link #builder()}. {@link #asBaseline()} turns layer dropout and the early-exit loss off (p_max =
 * 0, last-layer-only loss), giving the ordinary language-model run the paper compares against.
 *
 * @param maxDropRate p_max, in [0, 1); 0 disables layer dropout
 * @param layerScale D(l), eq. 3 (paper: EXP)
 * @param timeCurriculum S(t), eq. 4 (EXP from scratch, CONSTANT for continued training)
 * @param eScale e_scale of the early-exit weights, eq. 6
 * @param curriculum which exits are in the loss, C(t,l)
 * @param dilation R of the rotational curriculum
 * @param learningRate the peak learning rate
 * @param finalLearningRate the learning rate at the end of the cosine decay
 * @param warmupSteps linear warm-up steps from 0
 * @param steps T, the number of optimizer steps
 * @param batchSize B, rows per micro-batch
 * @param seqLen T_seq, tokens the model reads per row (windows hold T_seq + 1 tokens)
 * @param accumulation micro-batches per optimizer step
 * @param seed the run seed (init, data order, dropout masks)
 * @param weightDecay AdamW's decoupled decay (rank ≥ 2 tensors)
 * @param beta1 AdamW β1
 * @param beta2 AdamW β2
 * @param epsilon AdamW ε
 * @param clipNorm the global gradient-norm limit; 0 disables clipping
 * @param checkpointEvery steps between checkpoints; 0 writes one at the end only
 * @param keepCheckpoints how many complete checkpoints to keep, at least 1
 */
public record LayerSkipTrainingConfig(
        double maxDropRate,
        LayerScale layerScale,
        TimeCurriculum timeCurriculum,
        double eScale,
        CurriculumType curriculum,
        int dilation,
        float learningRate,
        float finalLearningRate,
        int warmupSteps,
        int steps,
        int batchSize,
        int seqLen,
        int accumulation,
        long seed,
        float weightDecay,
        float beta1,
        float beta2,
        float epsilon,
        float clipNorm,
        int checkpointEvery,
        int keepCheckpoints) {

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    /** Which early-exit curriculum C(t,l) to use (§4.1.2). */
    public enum CurriculumType {
        /** C_rot,R: every R-th layer, rotating each step, plus the last layer. */
        ROTATIONAL,
        /** C_grad: exits switched on from the last layer down, all on by T/2. */
        GRADUAL,
        /** Every layer at every step. */
        ALL,
        /** Last layer only: no early-exit loss (the baseline). */
        NONE
    }

    /** Validates the fields. */
    public LayerSkipTrainingConfig {
        check(maxDropRate >= 0 && maxDropRate < 1, "maxDropRate (p_max) must be in [0, 1)");
        check(layerScale != null && timeCurriculum != null && curriculum != null, "null enum");
        check(eScale >= 0 && Double.isFinite(eScale), "eScale must be finite and >= 0");
        check(dilation >= 1, "dilation (R) must be >= 1");
        check(learningRate > 0 && finalLearningRate >= 0, "learning rates must be positive");
        check(warmupSteps >= 0 && warmupSteps < steps, "warmupSteps must be in [0, steps)");
        check(steps >= 1 && batchSize >= 1 && seqLen >= 2 && accumulation >= 1, "sizes >= 1");
        check(clipNorm >= 0 && weightDecay >= 0, "clipNorm and weightDecay must be >= 0");
        check(checkpointEvery >= 0 && keepCheckpoints >= 1, "checkpoint settings");
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /**
     * Creates a builder with the defaults of the paper's from-scratch setting, scaled down.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns this configuration with layer dropout and the early-exit loss off (p_max = 0,
     * last-layer-only curriculum); every other setting is kept, so the two runs are twins.
     *
     * @return the baseline configuration
     */
    public LayerSkipTrainingConfig asBaseline() {
        return new LayerSkipTrainingConfig(
                0.0, layerScale, timeCurriculum, eScale, CurriculumType.NONE, dilation,
                learningRate, finalLearningRate, warmupSteps, steps, batchSize, seqLen,
                accumulation, seed, weightDecay, beta1, beta2, epsilon, clipNorm, checkpointEvery,
                keepCheckpoints);
    }

    /**
     * Returns a copy with another number of steps (warm-up clipped to fit).
     *
     * @param newSteps T
     * @return the copy
     */
    public LayerSkipTrainingConfig withSteps(int newSteps) {
        return new LayerSkipTrainingConfig(
                maxDropRate, layerScale, timeCurriculum, eScale, curriculum, dilation,
                learningRate, finalLearningRate, Math.min(warmupSteps, newSteps - 1), newSteps,
                batchSize, seqLen, accumulation, seed, weightDecay, beta1, beta2, epsilon,
                clipNorm, checkpointEvery, keepCheckpoints);
    }

    /**
     * Serialises the configuration (stored in checkpoints).
     *
     * @return pretty JSON
     */
    public String toJson() {
        return GSON.toJson(this);
    }

    /**
     * Parses {@link #toJson()} output.
     *
     * @param json the JSON
     * @return the configuration
     */
    public static LayerSkipTrainingConfig fromJson(String json) {
        return GSON.fromJson(json, LayerSkipTrainingConfig.class);
    }

    /** Builds a {@link LayerSkipTrainingConfig}; every setter is optional. */
    public static final class Builder {
        private double maxDropRate = 0.1;
        private LayerScale layerScale = LayerScale.EXP;
        private TimeCurriculum timeCurriculum = TimeCurriculum.EXP;
        private double eScale = 0.2;
        private CurriculumType curriculum = CurriculumType.ROTATIONAL;
        private int dilation = -1;
        private float learningRate = 1e-3f;
        private float finalLearningRate = -1f;
        private int warmupSteps = 0;
        private int steps = 100;
        private int batchSize = 8;
        private int seqLen = 128;
        private int accumulation = 1;
        private long seed = 42;
        private float weightDecay = 0.1f;
        private float beta1 = 0.9f;
        private float beta2 = 0.95f;
        private float epsilon = 1e-8f;
        private float clipNorm = 1.0f;
        private int checkpointEvery = 0;
        private int keepCheckpoints = 2;

        private Builder() {}

        /** @param v p_max @return this */
        public Builder optMaxDropRate(double v) { maxDropRate = v; return this; }

        /** @param v D(l) @return this */
        public Builder optLayerScale(LayerScale v) { layerScale = v; return this; }

        /** @param v S(t) @return this */
        public Builder optTimeCurriculum(TimeCurriculum v) { timeCurriculum = v; return this; }

        /** @param v e_scale @return this */
        public Builder optEScale(double v) { eScale = v; return this; }

        /** @param v the curriculum type @return this */
        public Builder optCurriculum(CurriculumType v) { curriculum = v; return this; }

        /** @param v R; default L − 1 (the paper's from-scratch choice) @return this */
        public Builder optDilation(int v) { dilation = v; return this; }

        /** @param v peak lr @return this */
        public Builder optLearningRate(float v) { learningRate = v; return this; }

        /** @param v final lr of the cosine; default lr / 10 @return this */
        public Builder optFinalLearningRate(float v) { finalLearningRate = v; return this; }

        /** @param v warm-up steps @return this */
        public Builder optWarmupSteps(int v) { warmupSteps = v; return this; }

        /** @param v optimizer steps T @return this */
        public Builder optSteps(int v) { steps = v; return this; }

        /** @param v rows per micro-batch @return this */
        public Builder optBatchSize(int v) { batchSize = v; return this; }

        /** @param v tokens read per row @return this */
        public Builder optSeqLen(int v) { seqLen = v; return this; }

        /** @param v micro-batches per step @return this */
        public Builder optAccumulation(int v) { accumulation = v; return this; }

        /** @param v the seed @return this */
        public Builder optSeed(long v) { seed = v; return this; }

        /** @param v decoupled weight decay @return this */
        public Builder optWeightDecay(float v) { weightDecay = v; return this; }

        /** @param b1 β1 @param b2 β2 @return this */
        public Builder optBetas(float b1, float b2) { beta1 = b1; beta2 = b2; return this; }

        /** @param v ε @return this */
        public Builder optEpsilon(float v) { epsilon = v; return this; }

        /** @param v global grad-norm limit (0 = off) @return this */
        public Builder optClipNorm(float v) { clipNorm = v; return this; }

        /** @param v steps between checkpoints (0 = end only) @return this */
        public Builder optCheckpointEvery(int v) { checkpointEvery = v; return this; }

        /** @param v complete checkpoints kept @return this */
        public Builder optKeepCheckpoints(int v) { keepCheckpoints = v; return this; }

        /**
         * Builds the configuration; the dilation defaults to L − 1 when the trainer knows L, so
         * here an unset dilation is stored as 1 less than nothing: it is resolved by {@link
         * #build(int)}.
         *
         * @param numLayers L, used to resolve the default dilation
         * @return the configuration
         */
        public LayerSkipTrainingConfig build(int numLayers) {
            int r = dilation > 0 ? dilation : Math.max(1, numLayers - 1);
            float fin = finalLearningRate >= 0 ? finalLearningRate : learningRate / 10f;
            return new LayerSkipTrainingConfig(
                    maxDropRate, layerScale, timeCurriculum, eScale, curriculum, r, learningRate,
                    fin, warmupSteps, steps, batchSize, seqLen, accumulation, seed, weightDecay,
                    beta1, beta2, epsilon, clipNorm, checkpointEvery, keepCheckpoints);
        }
    }
}
