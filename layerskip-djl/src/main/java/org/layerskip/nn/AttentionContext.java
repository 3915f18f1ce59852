package org.layerskip.nn;

import ai.djl.ndarray.NDArray;

/**
 * What the attention layers of one pass share: rotary tables, the attention bias and where the new
 * tokens go in the cache. Built once per pass and attention kind by {@link LlamaModel}, so per-layer
 * work stays minimal.
 *
 * @param cos rotary cos table {@code (B or 1, T, H + K, Dh)} (query heads pre-scaled by {@code
 *     1/sqrt(Dh)})
 * @param sin rotary sin table {@code (B or 1, T, H + K, Dh)}
 * @param rotateHalf the rotate-half matrix {@code (Dh, Dh)}
 * @param bias additive attention bias {@code (B or 1, 1, G * T, S)} (0 or -inf), or null when every
 *     key read is visible to every query (single-token decoding with full attention)
 * @param starts the position (= cache slot for linear caches) of the first new token, per row
 * @param tokens T, the number of new tokens
 * @param keyLength S, the number of key slots read: {@code max(starts) + T} for a linear cache, the
 *     ring capacity for a ring cache, T without a cache
 * @param block for cache-free passes of chunked attention, the block size B when the sequence is
 *     processed as independent dense {@code B x B} blocks (then {@code bias} is {@code (1, 1, G*B,
 *     B)}); 0 otherwise
 */
public record AttentionContext(
        NDArray cos,
        NDArray sin,
        NDArray rotateHalf,
        NDArray bias,
        int[] starts,
        int tokens,
        int keyLength,
        int block) {}
