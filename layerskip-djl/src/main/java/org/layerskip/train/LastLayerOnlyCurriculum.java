package org.layerskip.train;

/**
 * The baseline curriculum C(t,l) = 1 only for l = L−1: with it, LayerSkip eq. 5–6 reduce to the
 * ordinary language-model loss on the last layer (no early-exit loss; e.g. the "LD only" ablation).
 *
 * @param numLayers L, at least 1
 */
public record LastLayerOnlyCurriculum(int numLayers) implements EarlyExitCurriculum {

    /**
     * Validates L.
     *
     * @param numLayers L, at least 1
     */
    public LastLayerOnlyCurriculum {
        Checks.checkNumLayers(numLayers);
    }

    /**
     * Returns a mask with only layer L−1 on.
     *
     * @param step the 0-based global optimizer step t, at least 0
     * @return a fresh mask of length L
     */
    @Override
    public boolean[] enabledLayers(long step) {
        Checks.checkStep(step);
        boolean[] mask = new boolean[numLayers];
        mask[numLayers - 1] = true;
        return mask;
    }
}
