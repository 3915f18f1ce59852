package org.layerskip.train;

/**
 * The rotational curriculum C_rot,R of LayerSkip (Elhoushi et al. 2024, §4.1.2): early exit is
 * enabled on every R-th layer, and the set rotates by one layer each step, so each layer's exit is
 * on once every R steps.
 *
 * <p><b>Convention.</b> At step t, layer l is enabled iff (l − t) mod R = 0 (a non-negative
 * modulo), i.e. l ≡ t (mod R). Step 0 enables {0, R, 2R, …} (torchtune's {@code "0::R"}), and the
 * set moves one layer deeper each step, the direction of torchtune's {@code np.roll(mask, 1)}. The
 * pattern has period exactly R, for every layer.
 *
 * <p><b>Count.</b> The rotating set has |{l &lt; L : l ≡ t (mod R)}| layers: ⌈L/R⌉ when (t mod R)
 * &lt; L mod R or R divides L, and ⌊L/R⌋ otherwise; it is always ⌈L/R⌉ when R divides L. If {@code
 * forceLastLayer} is set (the default) layer L−1 is added when the set lacks it. With the paper's
 * dilations R = L−1 (R = 23 for L = 24, R = 31 for L = 32, R = 39 for L = 40) and the forced last
 * layer this is exactly 2 = ⌈L/R⌉ at every step. torchtune instead rolls the mask cyclically over
 * all L layers, which keeps ⌈L/R⌉ per step but breaks "once every R steps" when R does not divide L
 * (with L = 24, R = 23 layer 0 comes on at steps 0 and 1, then 23 steps later); this class keeps
 * the period.
 *
 * @param numLayers L, at least 1
 * @param dilation R, in [1, L]
 * @param forceLastLayer whether layer L−1 is on at every step (the main loss)
 */
public record RotationalCurriculum(int numLayers, int dilation, boolean forceLastLayer)
        implements EarlyExitCurriculum {

    /**
     * Validates L and R.
     *
     * @param numLayers L, at least 1
     * @param dilation R, in [1, L]
     * @param forceLastLayer whether layer L−1 is on at every step
     */
    public RotationalCurriculum {
        Checks.checkNumLayers(numLayers);
        if (dilation < 1 || dilation > numLayers) {
            throw new IllegalArgumentException(
                    "dilation (R) must be in [1, L = " + numLayers + "], got " + dilation);
        }
    }

    /**
     * Creates C_rot,R with the last layer forced on.
     *
     * @param numLayers L, at least 1
     * @param dilation R, in [1, L]
     */
    public RotationalCurriculum(int numLayers, int dilation) {
        this(numLayers, dilation, true);
    }

    /**
     * Returns C_rot,R(t,·): layer l is on iff (l − t) mod R = 0, plus layer L−1 if forced.
     *
     * @param step the 0-based global optimizer step t, at least 0
     * @return a fresh mask of length L
     */
    @Override
    public boolean[] enabledLayers(long step) {
        Checks.checkStep(step);
        boolean[] mask = new boolean[numLayers];
        int first = (int) (step % dilation); // the smallest l with l ≡ t (mod R)
        for (int l = first; l < numLayers; l += dilation) {
            mask[l] = true;
        }
        if (forceLastLayer) {
            mask[numLayers - 1] = true;
        }
        return mask;
    }
}
