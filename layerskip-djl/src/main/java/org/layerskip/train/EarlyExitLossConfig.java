package org.layerskip.train;

import org.layerskip.train.LayerSkipTrainingConfig.CurriculumType;

/**
 * The early-exit-loss section of a {@link LayerSkipTrainingConfig} (paper §4.1.2, torchtune's
 * {@code early_exit_loss}): which exits are in the loss at each step, and how they are weighted.
 *
 * @param eScale e_scale of the early-exit weights, eq. 6
 * @param curriculum which exits are in the loss, C(t,l)
 * @param dilation R of the rotational curriculum
 */
public record EarlyExitLossConfig(double eScale, CurriculumType curriculum, int dilation) {

    /** Validates the fields. */
    public EarlyExitLossConfig {
        Checks.require(curriculum != null, "null enum");
        Checks.require(eScale >= 0 && Double.isFinite(eScale), "eScale must be finite and >= 0");
        Checks.require(dilation >= 1, "dilation (R) must be >= 1");
    }
}
