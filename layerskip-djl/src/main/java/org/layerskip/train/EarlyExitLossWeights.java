package org.layerskip.train;

/**
 * The per-layer weights of the LayerSkip early-exit loss J = Σ_l ẽ(t,l) · J_CE(g(x_{l+1}), Y)
 * (Elhoushi et al. 2024, eq. 5–6).
 *
 * <p>Raw scale (eq. 6, following Elbayad et al. 2020), quadratic in depth:
 *
 * <ul>
 *   <li>e(l) = e_scale · Σ_{i=0}^{l} i = e_scale · l(l+1)/2, for 0 ≤ l &lt; L−1;
 *   <li>e(L−1) = (L−1) + e_scale · Σ_{i=0}^{L−2} i = (L−1) + e_scale · (L−2)(L−1)/2.
 * </ul>
 *
 * <p>Normalised weight (eq. 6): ẽ(t,l) = C(t,l)·e(l) / Σ_i C(t,i)·e(i), with C(t,·) the mask of an
 * {@link EarlyExitCurriculum}; the enabled weights sum to 1. Worked example of the paper: L = 32,
 * e_scale = 0.2, layers {0, 8, 16, 24, 31} give e = 0, 7.2, 27.2, 60, 124 and ẽ = 0, 0.033, 0.125,
 * 0.275, 0.568. Layer 0 always has e(0) = 0. (torchtune's {@code sum_l_loss_scale} is a different,
 * approximate formula.)
 *
 * <p><b>Zero total weight.</b> The denominator is 0 when every enabled layer has e(l) = 0: only
 * layer 0 enabled, e_scale = 0 without the last layer, or L = 1 (e(0) = L−1 = 0). Eq. 6 is then
 * 0/0. {@link #normalized(boolean[])} falls back to uniform weights 1/k over the k enabled layers
 * rather than rejecting the mask: such masks arise from valid configurations (a one-layer model; a
 * curriculum step that happens to enable only layer 0), throwing would abort a training run at an
 * unpredictable step, and all-zero weights would silently waste the step with a zero loss. The
 * fallback keeps the documented invariant (weights sum to 1) and the enabled exits still get
 * trained. Callers who want to detect it can check {@link #totalRaw(boolean[])} == 0. An empty mask
 * is an error.
 *
 * <p>Immutable.
 */
public final class EarlyExitLossWeights {

    private final int numLayers;
    private final double eScale;
    private final double[] raw;

    private EarlyExitLossWeights(int numLayers, double eScale) {
        this.numLayers = numLayers;
        this.eScale = eScale;
        raw = new double[numLayers];
        for (int l = 0; l < numLayers - 1; l++) {
            raw[l] = eScale * triangular(l);
        }
        raw[numLayers - 1] = (numLayers - 1) + eScale * triangular(numLayers - 2);
    }

    /**
     * Creates the weights of eq. 6 for L layers.
     *
     * @param numLayers L, at least 1
     * @param eScale e_scale, finite and at least 0 (the paper uses values in [0, 1]: 0.1, 0.2, 1.0)
     * @return the weights
     * @throws IllegalArgumentException if L &lt; 1 or e_scale is negative or not finite
     */
    public static EarlyExitLossWeights of(int numLayers, double eScale) {
        if (numLayers < 1) {
            throw new IllegalArgumentException("numLayers (L) must be >= 1, got " + numLayers);
        }
        if (!(eScale >= 0.0) || Double.isInfinite(eScale)) {
            throw new IllegalArgumentException(
                    "eScale (e_scale) must be finite and >= 0, got " + eScale);
        }
        return new EarlyExitLossWeights(numLayers, eScale);
    }

    /** Σ_{i=0}^{n} i = n(n+1)/2, and 0 for n &lt; 0. */
    private static double triangular(int n) {
        return n <= 0 ? 0.0 : (double) n * (n + 1) / 2.0;
    }

    /**
     * Returns the raw scale e(l) of eq. 6 (before masking and normalisation).
     *
     * @param layer the 0-based layer l, in [0, L)
     * @return e(l), at least 0
     */
    public double raw(int layer) {
        checkLayer(layer);
        return raw[layer];
    }

    /**
     * Returns e(l) for every layer (eq. 6).
     *
     * @return a fresh array of length L
     */
    public double[] raw() {
        return raw.clone();
    }

    /**
     * Returns the denominator Σ_i C(t,i)·e(i) of eq. 6 for a mask.
     *
     * @param enabled C(t,·), length L
     * @return the total raw weight of the enabled layers; 0 means {@link #normalized(boolean[])}
     *     falls back to uniform weights
     */
    public double totalRaw(boolean[] enabled) {
        checkMask(enabled);
        double total = 0.0;
        for (int l = 0; l < numLayers; l++) {
            if (enabled[l]) {
                total += raw[l];
            }
        }
        return total;
    }

    /**
     * Returns ẽ(t,l) = C(t,l)·e(l) / Σ_i C(t,i)·e(i) for every layer (eq. 6): 0 for disabled
     * layers, and the enabled ones sum to 1. If every enabled layer has e(l) = 0 the result is
     * uniform over the enabled layers (see the class comment).
     *
     * @param enabled C(t,·), length L, e.g. {@link EarlyExitCurriculum#enabledLayers(long)}
     * @return a fresh array of length L
     * @throws IllegalArgumentException if the mask has the wrong length or enables no layer
     */
    public double[] normalized(boolean[] enabled) {
        double total = totalRaw(enabled);
        double[] weights = new double[numLayers];
        int count = 0;
        for (boolean on : enabled) {
            count += on ? 1 : 0;
        }
        if (count == 0) {
            throw new IllegalArgumentException(
                    "the early-exit mask enables no layer; at least one exit must be on");
        }
        for (int l = 0; l < numLayers; l++) {
            if (enabled[l]) {
                weights[l] = total > 0.0 ? raw[l] / total : 1.0 / count;
            }
        }
        return weights;
    }

    /**
     * Returns L.
     *
     * @return the number of layers
     */
    public int getNumLayers() {
        return numLayers;
    }

    /**
     * Returns e_scale.
     *
     * @return the early-layer loss scale
     */
    public double getEScale() {
        return eScale;
    }

    private void checkLayer(int layer) {
        if (layer < 0 || layer >= numLayers) {
            throw new IllegalArgumentException(
                    "layer must be in [0, " + numLayers + "), got " + layer);
        }
    }

    private void checkMask(boolean[] enabled) {
        if (enabled == null || enabled.length != numLayers) {
            throw new IllegalArgumentException(
                    "mask length must be L = "
                            + numLayers
                            + ", got "
                            + (enabled == null ? "null" : enabled.length));
        }
    }
}
