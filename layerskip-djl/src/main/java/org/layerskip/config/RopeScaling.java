package org.layerskip.config;

/**
 * Rotary-embedding frequency scaling as in Hugging Face {@code rope_scaling}. Supported types:
 * {@code llama3} (Llama 3.1/3.2) and {@code linear}; {@link #NONE} means plain RoPE.
 *
 * @param type "none", "linear" or "llama3"
 * @param factor scale factor (llama3: 8 for 3.1, 32 for 3.2)
 * @param lowFreqFactor llama3 only
 * @param highFreqFactor llama3 only
 * @param originalMaxPositionEmbeddings llama3 only: the pre-extension context length
 */
public record RopeScaling(
        String type,
        double factor,
        double lowFreqFactor,
        double highFreqFactor,
        int originalMaxPositionEmbeddings) {

    /** No scaling. */
    public static final RopeScaling NONE = new RopeScaling("none", 1, 1, 1, 0);

    /** Validates the fields. */
    public RopeScaling {
        if (type == null) {
            throw new ConfigException("rope_scaling: missing rope_type");
        }
        switch (type) {
            case "none":
                break;
            case "linear":
                if (!(factor > 0) || Double.isInfinite(factor)) {
                    throw new ConfigException("rope_scaling.factor must be > 0, got " + factor);
                }
                break;
            case "llama3":
                if (!(factor > 0)
                        || !(lowFreqFactor > 0)
                        || !(highFreqFactor > lowFreqFactor)
                        || Double.isInfinite(factor)
                        || Double.isInfinite(highFreqFactor)) {
                    throw new ConfigException(
                            "rope_scaling (llama3) needs finite factor > 0 and high_freq_factor >"
                                    + " low_freq_factor > 0");
                }
                if (originalMaxPositionEmbeddings <= 0) {
                    throw new ConfigException(
                            "rope_scaling.original_max_position_embeddings must be > 0");
                }
                break;
            default:
                throw new ConfigException("rope_scaling type '" + type + "' is not supported");
        }
    }

    /**
     * Inverse frequencies of rotary embedding for one head, scaled as Hugging Face does.
     *
     * @param headDim the head dimension (even)
     * @param theta the RoPE base ({@code rope_theta})
     * @return {@code headDim / 2} inverse frequencies
     */
    public double[] inverseFrequencies(int headDim, double theta) {
        int half = headDim / 2;
        double[] inv = new double[half];
        for (int i = 0; i < half; i++) {
            inv[i] = 1.0 / Math.pow(theta, (2.0 * i) / headDim);
        }
        if ("linear".equals(type)) {
            for (int i = 0; i < half; i++) {
                inv[i] /= factor;
            }
        } else if ("llama3".equals(type)) {
            // transformers' _compute_llama3_parameters
            double lowFreqWavelen = originalMaxPositionEmbeddings / lowFreqFactor;
            double highFreqWavelen = originalMaxPositionEmbeddings / highFreqFactor;
            for (int i = 0; i < half; i++) {
                double wavelen = 2 * Math.PI / inv[i];
                if (wavelen > lowFreqWavelen) {
                    inv[i] = inv[i] / factor;
                } else if (wavelen >= highFreqWavelen) {
                    double smooth =
                            (originalMaxPositionEmbeddings / wavelen - lowFreqFactor)
                                    / (highFreqFactor - lowFreqFactor);
                    inv[i] = (1 - smooth) * inv[i] / factor + smooth * inv[i];
                }
            }
        }
        return inv;
    }
}
