/**
 * Per-request mutable state of a decoder: the preallocated, position-indexed key/value cache
 * ({@link org.layerskip.cache.KvCache}), the cache of exit-layer hidden states used by
 * self-speculative verification, and {@link org.layerskip.cache.DecoderState}, which ties them to
 * one generation. The model's weights never live here, so one loaded model serves many requests at
 * once.
 */
package org.layerskip.cache;
