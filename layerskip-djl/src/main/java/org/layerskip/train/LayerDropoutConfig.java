package org.layerskip.train;

/**
 * The layer-dropout section of a {@link LayerSkipTrainingConfig} (paper §4.1.1, torchtune's {@code
 * layer_dropout}): p_{l,t} = S(t) · D(l) · p_max.
 *
 * @param maxDropRate p_max, in [0, 1); 0 disables layer dropout
 * @param layerScale D(l), eq. 3 (paper: EXP)
 * @param timeCurriculum S(t), eq. 4 (EXP from scratch, CONSTANT for continued training)
 */
public record LayerDropoutConfig(
        double maxDropRate, LayerScale layerScale, TimeCurriculum timeCurriculum) {

    /** Validates the fields. */
    public LayerDropoutConfig {
        Checks.require(
                maxDropRate >= 0 && maxDropRate < 1, "maxDropRate (p_max) must be in [0, 1)");
        Checks.require(layerScale != null && timeCurriculum != null, "null enum");
    }
}
