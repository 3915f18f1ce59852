package org.layerskip.train;

import java.util.Arrays;

/**
 * The baseline curriculum C(t,l) = 1 for every layer and step: the early-exit loss of LayerSkip eq.
 * 5–6 on all L exits at once (the paper notes this slows training and hurts the last layer,
 * §4.1.2).
 *
 * @param numLayers L, at least 1
 */
public record AllLayersCurriculum(int numLayers) implements EarlyExitCurriculum {

    /**
     * Validates L.
     *
     * @param numLayers L, at least 1
     */
    public AllLayersCurriculum {
        Checks.checkNumLayers(numLayers);
    }

    /**
     * Returns a mask with every layer on.
     *
     * @param step the 0-based global optimizer step t, at least 0
     * @return a fresh all-true mask of length L
     */
    @Override
    public boolean[] enabledLayers(long step) {
        Checks.checkStep(step);
        boolean[] mask = new boolean[numLayers];
        Arrays.fill(mask, true);
        return mask;
    }
}
