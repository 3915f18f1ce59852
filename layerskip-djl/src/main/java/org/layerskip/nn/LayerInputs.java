package org.layerskip.nn;

import ai.djl.ndarray.NDArray;

/**
 * What the attention layers of one {@link org.layerskip.cache.AttentionGroup} share in a pass, as
 * tensors only: rotary tables, the attention bias, and where the new keys/values go. Built once per
 * pass by {@link PassTensors} (with a cache) or by {@link LlamaModel#trainingContext} (without), so
 * a layer step holds no cache object and branches on nothing but whether it has a cache.
 *
 * @param cos rotary cos table {@code (b or 1, T, H + K, Dh)} (query heads pre-scaled by {@code
 *     1/sqrt(Dh)})
 * @param sin rotary sin table {@code (b or 1, T, H + K, Dh)}
 * @param rotateHalf the rotate-half matrix {@code (Dh, Dh)}
 * @param bias additive attention bias {@code (b or 1, 1, G * T, S)} (0 or -inf), or null when every
 *     key read is visible to every query
 * @param writeRows batch row of each new token {@code (b, T)} int64; null without a cache
 * @param writeSlots cache slot of each new token {@code (b, T)} int64; null without a cache
 * @param readRows the batch rows a pass over a subset of rows reads {@code (b)} int64; null when
 *     the pass covers every row in order (or has no cache)
 * @param readLength S, the number of key slots attention reads (T without a cache)
 * @param block for cache-free passes of chunked attention over whole blocks, the block size: the
 *     sequence is then processed as independent dense blocks; 0 otherwise
 */
public record LayerInputs(
        NDArray cos,
        NDArray sin,
        NDArray rotateHalf,
        NDArray bias,
        NDArray writeRows,
        NDArray writeSlots,
        NDArray readRows,
        int readLength,
        int block) {

    /**
     * Returns whether this pass writes into (and reads from) a KV cache.
     *
     * @return true with a cache
     */
    public boolean cached() {
        return writeSlots != null;
    }
}
