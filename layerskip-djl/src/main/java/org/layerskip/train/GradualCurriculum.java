package org.layerskip.train;

/**
 * The gradual curriculum C_grad of LayerSkip (Elhoushi et al. 2024, §4.1.2): exits are switched on
 * from layer L−1 down to layer 0, one more layer every T/(2L) steps, so that all are on by T/2.
 *
 * <p><b>Convention</b> (torchtune's {@code GradualEarlyExitCurriculum} with {@code fraction_scale =
 * 0.5}): layer l is on at step t iff t/T ≥ (L − l)/(2L), computed exactly in integers as 2L·t ≥ (L
 * − l)·T. Layer L−1 turns on at T/(2L), layer l at (L − l)·T/(2L), layer 0 at exactly T/2; after
 * that every layer stays on. Steps past T are allowed (all on). With {@code forceLastLayer} (the
 * default) layer L−1 is also on from step 0, so step 0 has exactly the last layer; without it,
 * steps before T/(2L) have an empty mask, which {@link EarlyExitLossWeights#normalized(boolean[])}
 * rejects.
 *
 * @param numLayers L, at least 1
 * @param totalSteps T, at least 1 and at most {@code Long.MAX_VALUE / (2L)}
 * @param forceLastLayer whether layer L−1 is on at every step (the main loss)
 */
public record GradualCurriculum(int numLayers, long totalSteps, boolean forceLastLayer)
        implements EarlyExitCurriculum {

    /**
     * Validates L and T.
     *
     * @param numLayers L, at least 1
     * @param totalSteps T, in [1, Long.MAX_VALUE / (2L)]
     * @param forceLastLayer whether layer L−1 is on at every step
     */
    public GradualCurriculum {
        Checks.checkNumLayers(numLayers);
        if (totalSteps < 1) {
            throw new IllegalArgumentException("totalSteps (T) must be >= 1, got " + totalSteps);
        }
        if (totalSteps > Long.MAX_VALUE / (2L * numLayers)) {
            throw new IllegalArgumentException(
                    "totalSteps (T) must be <= Long.MAX_VALUE / (2L), got " + totalSteps);
        }
    }

    /**
     * Creates C_grad with the last layer forced on.
     *
     * @param numLayers L, at least 1
     * @param totalSteps T, at least 1
     */
    public GradualCurriculum(int numLayers, long totalSteps) {
        this(numLayers, totalSteps, true);
    }

    /**
     * Returns C_grad(t,·): layer l is on iff 2L·t ≥ (L − l)·T, plus layer L−1 if forced.
     *
     * @param step the 0-based global optimizer step t, at least 0
     * @return a fresh mask of length L
     */
    @Override
    public boolean[] enabledLayers(long step) {
        Checks.checkStep(step);
        long t =
                Math.min(
                        step,
                        totalSteps); // every layer is on from T/2, so clipping changes nothing
        long lhs = 2L * numLayers * t; // no overflow: T <= Long.MAX_VALUE / (2L)
        boolean[] mask = new boolean[numLayers];
        for (int l = 0; l < numLayers; l++) {
            mask[l] = lhs >= (long) (numLayers - l) * totalSteps;
        }
        if (forceLastLayer) {
            mask[numLayers - 1] = true;
        }
        return mask;
    }
}
