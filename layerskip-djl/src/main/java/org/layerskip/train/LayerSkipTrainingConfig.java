package org.layerskip.train;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;

/**
 * Hyperparameters of a LayerSkip training run (Elhoushi et al. 2024, §4.1 and §5), in the sections
 * torchtune's recipes use: {@link LayerDropoutConfig} (p_max, D(l), S(t)), {@link
 * EarlyExitLossConfig} (e_scale, C, R), {@link OptimizerConfig}, {@link RunConfig} and {@link
 * CheckpointConfig}. Immutable; build it with {@link #builder()}, whose setters and this record's
 * flat accessors ({@link #maxDropRate()}, {@link #steps()}, ...) name every field directly. {@link
 * #asBaseline()} turns layer dropout and the early-exit loss off (p_max = 0, last-layer-only loss),
 * giving the ordinary language-model run the paper compares against.
 *
 * <p>Stored in checkpoints as JSON with one object per section ({@link #toJson()}).
 *
 * @param layerDropout layer dropout, §4.1.1
 * @param earlyExitLoss the early-exit loss and its curriculum, §4.1.2
 * @param optimizer AdamW, warm-up and cosine decay, clipping
 * @param run steps, batch shape, accumulation and seed
 * @param checkpointing how often to checkpoint and how many to keep
 */
public record LayerSkipTrainingConfig(
        LayerDropoutConfig layerDropout,
        EarlyExitLossConfig earlyExitLoss,
        OptimizerConfig optimizer,
        RunConfig run,
        CheckpointConfig checkpointing) {

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

    /** Validates the sections together. */
    public LayerSkipTrainingConfig {
        Checks.require(
                layerDropout != null
                        && earlyExitLoss != null
                        && optimizer != null
                        && run != null
                        && checkpointing != null,
                "every section must be set");
        Checks.require(optimizer.warmupSteps() < run.steps(), "warmupSteps must be in [0, steps)");
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
                new LayerDropoutConfig(0.0, layerScale(), timeCurriculum()),
                new EarlyExitLossConfig(eScale(), CurriculumType.NONE, dilation()),
                optimizer,
                run,
                checkpointing);
    }

    /**
     * Returns a copy with another number of steps (warm-up clipped to fit).
     *
     * @param newSteps T
     * @return the copy
     */
    public LayerSkipTrainingConfig withSteps(int newSteps) {
        OptimizerConfig o = optimizer;
        return new LayerSkipTrainingConfig(
                layerDropout,
                earlyExitLoss,
                new OptimizerConfig(
                        o.learningRate(),
                        o.finalLearningRate(),
                        Math.min(o.warmupSteps(), newSteps - 1),
                        o.weightDecay(),
                        o.beta1(),
                        o.beta2(),
                        o.epsilon(),
                        o.clipNorm()),
                new RunConfig(newSteps, batchSize(), seqLen(), accumulation(), seed()),
                checkpointing);
    }

    /**
     * Returns a copy with other checkpoint settings.
     *
     * @param c the checkpoint settings
     * @return the copy
     */
    public LayerSkipTrainingConfig withCheckpointing(CheckpointConfig c) {
        return new LayerSkipTrainingConfig(layerDropout, earlyExitLoss, optimizer, run, c);
    }

    /**
     * Returns whether two configurations train the same run, so that one may resume the other's
     * checkpoints: everything equal but the checkpoint cadence.
     *
     * @param other the other configuration
     * @return true if only {@link #checkpointing()} differs, if anything
     */
    public boolean sameRun(LayerSkipTrainingConfig other) {
        return other != null && withCheckpointing(other.checkpointing()).equals(other);
    }

    /**
     * @return p_max ({@link LayerDropoutConfig#maxDropRate()})
     */
    public double maxDropRate() {
        return layerDropout.maxDropRate();
    }

    /**
     * @return D(l) ({@link LayerDropoutConfig#layerScale()})
     */
    public LayerScale layerScale() {
        return layerDropout.layerScale();
    }

    /**
     * @return S(t) ({@link LayerDropoutConfig#timeCurriculum()})
     */
    public TimeCurriculum timeCurriculum() {
        return layerDropout.timeCurriculum();
    }

    /**
     * @return e_scale ({@link EarlyExitLossConfig#eScale()})
     */
    public double eScale() {
        return earlyExitLoss.eScale();
    }

    /**
     * @return C ({@link EarlyExitLossConfig#curriculum()})
     */
    public CurriculumType curriculum() {
        return earlyExitLoss.curriculum();
    }

    /**
     * @return R ({@link EarlyExitLossConfig#dilation()})
     */
    public int dilation() {
        return earlyExitLoss.dilation();
    }

    /**
     * @return the peak learning rate ({@link OptimizerConfig#learningRate()})
     */
    public float learningRate() {
        return optimizer.learningRate();
    }

    /**
     * @return the final learning rate ({@link OptimizerConfig#finalLearningRate()})
     */
    public float finalLearningRate() {
        return optimizer.finalLearningRate();
    }

    /**
     * @return warm-up steps ({@link OptimizerConfig#warmupSteps()})
     */
    public int warmupSteps() {
        return optimizer.warmupSteps();
    }

    /**
     * @return AdamW weight decay ({@link OptimizerConfig#weightDecay()})
     */
    public float weightDecay() {
        return optimizer.weightDecay();
    }

    /**
     * @return AdamW β1 ({@link OptimizerConfig#beta1()})
     */
    public float beta1() {
        return optimizer.beta1();
    }

    /**
     * @return AdamW β2 ({@link OptimizerConfig#beta2()})
     */
    public float beta2() {
        return optimizer.beta2();
    }

    /**
     * @return AdamW ε ({@link OptimizerConfig#epsilon()})
     */
    public float epsilon() {
        return optimizer.epsilon();
    }

    /**
     * @return the gradient-norm limit ({@link OptimizerConfig#clipNorm()})
     */
    public float clipNorm() {
        return optimizer.clipNorm();
    }

    /**
     * @return T ({@link RunConfig#steps()})
     */
    public int steps() {
        return run.steps();
    }

    /**
     * @return B ({@link RunConfig#batchSize()})
     */
    public int batchSize() {
        return run.batchSize();
    }

    /**
     * @return T_seq ({@link RunConfig#seqLen()})
     */
    public int seqLen() {
        return run.seqLen();
    }

    /**
     * @return micro-batches per step ({@link RunConfig#accumulation()})
     */
    public int accumulation() {
        return run.accumulation();
    }

    /**
     * @return the run seed ({@link RunConfig#seed()})
     */
    public long seed() {
        return run.seed();
    }

    /**
     * @return steps between checkpoints ({@link CheckpointConfig#every()})
     */
    public int checkpointEvery() {
        return checkpointing.every();
    }

    /**
     * @return checkpoints kept ({@link CheckpointConfig#keep()})
     */
    public int keepCheckpoints() {
        return checkpointing.keep();
    }

    /**
     * Serialises the configuration (stored in checkpoints), one JSON object per section.
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
     * @throws IllegalArgumentException with the validation message of the first invalid value
     * @throws com.google.gson.JsonParseException if the text is not such JSON
     */
    public static LayerSkipTrainingConfig fromJson(String json) {
        try {
            return GSON.fromJson(json, LayerSkipTrainingConfig.class);
        } catch (RuntimeException e) {
            // Gson wraps what a record's constructor throws; give the reason, not the wrapping
            for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
                if (c instanceof IllegalArgumentException) {
                    throw new IllegalArgumentException(c.getMessage(), e);
                }
            }
            throw e;
        }
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

        /**
         * @param v p_max @return this
         */
        public Builder optMaxDropRate(double v) {
            maxDropRate = v;
            return this;
        }

        /**
         * @param v D(l) @return this
         */
        public Builder optLayerScale(LayerScale v) {
            layerScale = v;
            return this;
        }

        /**
         * @param v S(t) @return this
         */
        public Builder optTimeCurriculum(TimeCurriculum v) {
            timeCurriculum = v;
            return this;
        }

        /**
         * @param v e_scale @return this
         */
        public Builder optEScale(double v) {
            eScale = v;
            return this;
        }

        /**
         * @param v the curriculum type @return this
         */
        public Builder optCurriculum(CurriculumType v) {
            curriculum = v;
            return this;
        }

        /**
         * @param v R; default L − 1 (the paper's from-scratch choice) @return this
         */
        public Builder optDilation(int v) {
            dilation = v;
            return this;
        }

        /**
         * @param v peak lr @return this
         */
        public Builder optLearningRate(float v) {
            learningRate = v;
            return this;
        }

        /**
         * @param v final lr of the cosine; default lr / 10 @return this
         */
        public Builder optFinalLearningRate(float v) {
            finalLearningRate = v;
            return this;
        }

        /**
         * @param v warm-up steps @return this
         */
        public Builder optWarmupSteps(int v) {
            warmupSteps = v;
            return this;
        }

        /**
         * @param v optimizer steps T @return this
         */
        public Builder optSteps(int v) {
            steps = v;
            return this;
        }

        /**
         * @param v rows per micro-batch @return this
         */
        public Builder optBatchSize(int v) {
            batchSize = v;
            return this;
        }

        /**
         * @param v tokens read per row @return this
         */
        public Builder optSeqLen(int v) {
            seqLen = v;
            return this;
        }

        /**
         * @param v micro-batches per step @return this
         */
        public Builder optAccumulation(int v) {
            accumulation = v;
            return this;
        }

        /**
         * @param v the seed @return this
         */
        public Builder optSeed(long v) {
            seed = v;
            return this;
        }

        /**
         * @param v decoupled weight decay @return this
         */
        public Builder optWeightDecay(float v) {
            weightDecay = v;
            return this;
        }

        /**
         * @param b1 β1 @param b2 β2 @return this
         */
        public Builder optBetas(float b1, float b2) {
            beta1 = b1;
            beta2 = b2;
            return this;
        }

        /**
         * @param v ε @return this
         */
        public Builder optEpsilon(float v) {
            epsilon = v;
            return this;
        }

        /**
         * @param v global grad-norm limit (0 = off) @return this
         */
        public Builder optClipNorm(float v) {
            clipNorm = v;
            return this;
        }

        /**
         * @param v steps between checkpoints (0 = end only) @return this
         */
        public Builder optCheckpointEvery(int v) {
            checkpointEvery = v;
            return this;
        }

        /**
         * @param v complete checkpoints kept @return this
         */
        public Builder optKeepCheckpoints(int v) {
            keepCheckpoints = v;
            return this;
        }

        /**
         * Builds the configuration. The dilation R defaults to L − 1 and the final learning rate to
         * a tenth of the peak, so L is needed here.
         *
         * @param numLayers L, used to resolve the default dilation
         * @return the configuration
         */
        public LayerSkipTrainingConfig build(int numLayers) {
            int r = dilation > 0 ? dilation : Math.max(1, numLayers - 1);
            float fin = finalLearningRate >= 0 ? finalLearningRate : learningRate / 10f;
            return new LayerSkipTrainingConfig(
                    new LayerDropoutConfig(maxDropRate, layerScale, timeCurriculum),
                    new EarlyExitLossConfig(eScale, curriculum, r),
                    new OptimizerConfig(
                            learningRate,
                            fin,
                            warmupSteps,
                            weightDecay,
                            beta1,
                            beta2,
                            epsilon,
                            clipNorm),
                    new RunConfig(steps, batchSize, seqLen, accumulation, seed),
                    new CheckpointConfig(checkpointEvery, keepCheckpoints));
        }
    }
}
