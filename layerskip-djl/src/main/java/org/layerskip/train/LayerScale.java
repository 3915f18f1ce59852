package org.layerskip.train;

/**
 * How a per-layer quantity grows with depth: the D(l) of the LayerSkip layer-dropout rate (Elhoushi
 * et al. 2024, eq. 2–3). Every constant maps layer 0 to (about) 0 and layer L−1 to (about) 1,
 * except {@link #UNIFORM}, which is 1 everywhere.
 *
 * <p>With x = l / (L−1) the fraction of the depth:
 *
 * <ul>
 *   <li>{@link #UNIFORM}: 1
 *   <li>{@link #LINEAR}: x
 *   <li>{@link #EXP}: 2^x − 1 = e^{l·ln2/(L−1)} − 1, the paper's eq. 3
 *   <li>{@link #LOG}: log_L(l + 1) = ln(1 + l) / ln(L)
 *   <li>{@link #SIN}: sin(π·x / 2)
 *   <li>{@link #SIGMOID}: 1 / (1 + e^{−10(x − 0.5)}), which is 0.0067 at layer 0 and 0.9933 at L−1
 * </ul>
 *
 * <p>The last four follow torchtune's {@code ScaleType}/{@code get_scale}; torchtune's {@code STEP}
 * is not offered because it has no formula there (it raises {@code KeyError}). Here every constant
 * is handled by an exhaustive switch expression, so a constant without a formula does not compile.
 *
 * <p>A one-layer model (L = 1) has no depth to grow over: its only layer is layer 0 and gets the
 * layer-0 value, 0 for every growing scale (1 for {@code UNIFORM}, 1/(1+e^5) ≈ 0.0067 for {@code
 * SIGMOID}). LayerSkip has no early exit to train in a one-layer model, so no layer dropout is the
 * sane default, and nothing is divided by zero.
 */
public enum LayerScale {
    /** D(l) = 1: the same rate p_max on every layer. */
    UNIFORM,
    /** D(l) = l / (L−1). */
    LINEAR,
    /** D(l) = 2^{l/(L−1)} − 1, LayerSkip eq. 3 (the paper's choice). */
    EXP,
    /** D(l) = ln(1 + l) / ln(L). */
    LOG,
    /** D(l) = sin(π·l / (2(L−1))). */
    SIN,
    /** D(l) = 1 / (1 + e^{−10(l/(L−1) − 0.5)}). */
    SIGMOID;

    /**
     * Returns the scale D(l) of layer {@code layer} in a stack of {@code numLayers} layers
     * (LayerSkip eq. 3 for {@link #EXP}), clipped to [0, 1].
     *
     * @param layer the 0-based layer index l, in [0, L)
     * @param numLayers the number of layers L, at least 1
     * @return D(l), in [0, 1]
     * @throws IllegalArgumentException if L &lt; 1 or l is outside [0, L)
     */
    public double scale(int layer, int numLayers) {
        if (numLayers < 1) {
            throw new IllegalArgumentException("numLayers must be >= 1, got " + numLayers);
        }
        if (layer < 0 || layer >= numLayers) {
            throw new IllegalArgumentException(
                    "layer must be in [0, " + numLayers + "), got " + layer);
        }
        // x = l / (L-1); a one-layer model is its own layer 0 (x = 0), never 0/0.
        double x = numLayers == 1 ? 0.0 : (double) layer / (numLayers - 1);
        double value =
                switch (this) {
                    case UNIFORM -> 1.0;
                    case LINEAR -> x;
                    case EXP -> Math.pow(2.0, x) - 1.0;
                    case LOG -> numLayers == 1 ? 0.0 : Math.log1p(layer) / Math.log(numLayers);
                    case SIN -> Math.sin(Math.PI * x / 2.0);
                    case SIGMOID -> 1.0 / (1.0 + Math.exp(-10.0 * (x - 0.5)));
                };
        return clip01(value);
    }

    static double clip01(double value) {
        return Math.min(1.0, Math.max(0.0, value));
    }
}
