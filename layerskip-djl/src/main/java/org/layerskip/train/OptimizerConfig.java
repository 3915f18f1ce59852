package org.layerskip.train;

/**
 * The optimisation section of a {@link LayerSkipTrainingConfig}: AdamW with linear warm-up and a
 * cosine decay, and global gradient-norm clipping.
 *
 * @param learningRate the peak learning rate
 * @param finalLearningRate the learning rate at the end of the cosine decay
 * @param warmupSteps linear warm-up steps from 0
 * @param weightDecay AdamW's decoupled decay (rank ≥ 2 tensors)
 * @param beta1 AdamW β1
 * @param beta2 AdamW β2
 * @param epsilon AdamW ε
 * @param clipNorm the global gradient-norm limit; 0 disables clipping
 */
public record OptimizerConfig(
        float learningRate,
        float finalLearningRate,
        int warmupSteps,
        float weightDecay,
        float beta1,
        float beta2,
        float epsilon,
        float clipNorm) {

    /**
     * Validates the fields (the warm-up against the run's length is checked by the whole config).
     */
    public OptimizerConfig {
        Checks.require(
                learningRate > 0 && finalLearningRate >= 0, "learning rates must be positive");
        Checks.require(warmupSteps >= 0, "warmupSteps must be in [0, steps)");
        Checks.require(clipNorm >= 0 && weightDecay >= 0, "clipNorm and weightDecay must be >= 0");
    }
}
