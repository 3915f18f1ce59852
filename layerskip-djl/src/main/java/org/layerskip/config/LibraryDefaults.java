package org.layerskip.config;

/**
 * The library's own generation defaults: the values used when nothing more specific gives one. They
 * live here, below every package that needs them, so that each is written once.
 *
 * <p>E and d are the last step of {@code io.SpeculationDefaults}, the one rule that chooses a
 * loaded model's defaults (the folder's {@code layerskip.json}, then a zoo recommendation, then
 * these); {@code generate.Generator} uses them when it is built without defaults. The number of new
 * tokens is the default of {@code GenerationOptions}, of every CLI command's {@code
 * --max-new-tokens}, of the Criteria argument {@code maxNewTokens} and of Spark's {@code
 * maxNewTokens} param.
 */
public final class LibraryDefaults {

    /** The draft length d when nothing else gives one. */
    public static final int NUM_SPECULATIONS = 4;

    /** The most new tokens per request when the request does not say. */
    public static final int MAX_NEW_TOKENS = 64;

    private LibraryDefaults() {}

    /**
     * The exit layer E when nothing else gives one: a quarter of the depth.
     *
     * @param numLayers L
     * @return L/4, at least 1
     */
    public static int exitLayer(int numLayers) {
        return Math.max(1, numLayers / 4);
    }
}
