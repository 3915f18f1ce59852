package org.layerskip.nn;

import ai.djl.ndarray.NDArray;

/**
 * What every attention layer of one pass shares: rotary tables, the attention bias and where the new
 * tokens go in the cache. Built once per pass by {@link LlamaModel}, so per-layer work stays minimal.
 *
 * @param cos rotary cos table {@code (B, T, H + K, Dh)} (query heads pre-scaled by {@code 1/sqrt(Dh)})
 * @param sin rotary sin table {@code (B, T, H + K, Dh)}
 * @param rotateHalf the rotate-half matrix {@code (Dh, Dh)}
 * @param bias additive attention bias {@code (B, 1, G * T, S)} (0 or -inf), or null when every key is
 *     visible to every query (single-token decoding without padding)
 * @param starts the cache slot of the first new token, per row
 * @param tokens T, the number of new tokens
 */
public record AttentionContext(
        NDArray cos, NDArray sin, NDArray rotateHalf, NDArray bias, int[] starts, int tokens) {

    /**
     * Returns S, the number of key slots read after this pass's tokens are written.
     *
     * @return {@code max(starts) + T}
     */
    public int keyLength() {
        int max = 0;
        for (int s : starts) {
            max = Math.max(max, s);
        }
        return max + tokens;
    }

}
