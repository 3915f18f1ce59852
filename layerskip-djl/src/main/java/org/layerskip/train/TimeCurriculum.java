package org.layerskip.train;

/**
 * The time curriculum S(t) of the LayerSkip layer-dropout rate p_{l,t} = S(t)·D(l)·p_max (Elhoushi
 * et al. 2024, eq. 2 and 4).
 *
 * <ul>
 *   <li>{@link #CONSTANT}: S(t) = 1, for continual pretraining and finetuning.
 *   <li>{@link #EXP}: S_exp(t) = e^{t·ln2/(T−1)} − 1 = 2^{t/(T−1)} − 1 (eq. 4), rising from 0 at
 *       step 0 to 1 at step T−1, for pretraining from scratch. Steps past T−1 (e.g. a run extended
 *       after resume) stay at 1: the value is clipped to [0, 1].
 * </ul>
 *
 * <p>With T = 1 the curriculum has no room to rise and is already complete at step 0, so S_exp = 1
 * (as for every step t ≥ T−1). torchtune implements no time curriculum.
 */
public enum TimeCurriculum {
    /** S(t) = 1 at every step. */
    CONSTANT,
    /** S(t) = 2^{t/(T−1)} − 1, clipped to [0, 1] (LayerSkip eq. 4). */
    EXP;

    /**
     * Returns S(t), in [0, 1] (LayerSkip eq. 4 for {@link #EXP}).
     *
     * @param step the 0-based global optimizer step t, at least 0
     * @param totalSteps the number of training steps T, at least 1
     * @return S(t), in [0, 1]
     * @throws IllegalArgumentException if t &lt; 0 or T &lt; 1
     */
    public double factor(long step, long totalSteps) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + step);
        }
        if (totalSteps < 1) {
            throw new IllegalArgumentException("totalSteps must be >= 1, got " + totalSteps);
        }
        return switch (this) {
            case CONSTANT -> 1.0;
            case EXP ->
                    step >= totalSteps - 1
                            ? 1.0
                            : LayerScale.clip01(
                                    Math.pow(2.0, (double) step / (totalSteps - 1)) - 1.0);
        };
    }
}
