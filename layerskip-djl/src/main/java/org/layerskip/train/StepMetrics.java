package org.layerskip.train;

/**
 * The numbers of one optimizer step.
 *
 * @param step the 0-based step that just ran
 * @param totalSteps T
 * @param loss the weighted early-exit loss J (eq. 5), averaged over the micro-batches
 * @param lastLayerLoss the cross-entropy of the last exit
 * @param exitLayers the 0-based layers whose exits were in the loss
 * @param exitLosses their cross-entropies, averaged over the micro-batches
 * @param learningRate the learning rate used
 * @param gradNorm the global gradient norm before clipping
 * @param tokens tokens processed in this step (B · T_seq · accumulation)
 * @param tokensPerSecond throughput of this step
 * @param skippedFraction share of (layer, row) pairs skipped by layer dropout
 * @param elapsedSeconds wall time since this {@code train} call started
 * @param etaSeconds estimated time to step T at the running average speed
 */
public record StepMetrics(
        long step,
        long totalSteps,
        double loss,
        double lastLayerLoss,
        int[] exitLayers,
        double[] exitLosses,
        double learningRate,
        double gradNorm,
        long tokens,
        double tokensPerSecond,
        double skippedFraction,
        double elapsedSeconds,
        double etaSeconds) {}
