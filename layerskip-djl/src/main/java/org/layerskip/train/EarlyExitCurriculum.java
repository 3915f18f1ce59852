package org.layerskip.train;

/**
 * The early-exit curriculum C(t,l) ∈ {0,1} of the LayerSkip loss (Elhoushi et al. 2024, eq. 6,
 * §4.1.2): which layers' exits contribute to the loss at step t. Feed the mask to {@link
 * EarlyExitLossWeights#normalized(boolean[])}.
 *
 * <p>Contract: {@link #enabledLayers(long)} is a <em>pure function</em> of the step.
 * Implementations keep no hidden mutable state (unlike torchtune's {@code step()}/{@code get()}
 * classes), so resuming at global step t gives exactly the mask of an uninterrupted run, and masks
 * can be computed for any step in any order. Steps are 0-based global optimizer steps.
 *
 * <p>Implementations: {@link RotationalCurriculum} (C_rot,R), {@link GradualCurriculum} (C_grad),
 * {@link AllLayersCurriculum} and {@link LastLayerOnlyCurriculum} (baselines).
 */
public interface EarlyExitCurriculum {

    /**
     * Returns L, the number of layers the masks cover.
     *
     * @return the number of layers, at least 1
     */
    int numLayers();

    /**
     * Returns the mask C(t,·) of eq. 6 at step t.
     *
     * @param step the 0-based global optimizer step t, at least 0
     * @return a fresh array of length L; element l is true if layer l's exit is in the loss
     * @throws IllegalArgumentException if the step is negative
     */
    boolean[] enabledLayers(long step);

    /**
     * Returns the enabled layers at step t as ascending indices (the same information as {@link
     * #enabledLayers(long)}).
     *
     * @param step the 0-based global optimizer step t, at least 0
     * @return the indices l with C(t,l) = 1, ascending
     */
    default int[] enabledLayerIndices(long step) {
        boolean[] mask = enabledLayers(step);
        int count = 0;
        for (boolean on : mask) {
            count += on ? 1 : 0;
        }
        int[] indices = new int[count];
        int k = 0;
        for (int l = 0; l < mask.length; l++) {
            if (mask[l]) {
                indices[k++] = l;
            }
        }
        return indices;
    }
}
