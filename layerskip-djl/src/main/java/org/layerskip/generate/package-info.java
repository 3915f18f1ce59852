/**
 * Decoding loops over an {@link org.layerskip.nn.LlamaModel}: autoregressive (full depth), early
 * exit at layer E, and LayerSkip self-speculative decoding that drafts with the first E layers and
 * verifies with the rest, sharing one KV cache. {@link org.layerskip.generate.Generator} is the
 * entry point; {@link org.layerskip.generate.GenerationOptions} says what to do and {@link
 * org.layerskip.generate.GenerationResult} reports tokens, timings and acceptance statistics.
 */
package org.layerskip.generate;
