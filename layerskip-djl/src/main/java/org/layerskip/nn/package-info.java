/**
 * DJL Blocks of a Llama-family decoder whose exit head (final RMSNorm + LM head) is shared by every
 * layer: {@link org.layerskip.nn.LlamaModel}, {@link org.layerskip.nn.LlamaDecoderLayer}, {@link
 * org.layerskip.nn.LlamaAttention} (grouped-query, rotary, causal), {@link
 * org.layerskip.nn.LlamaMlp} (SwiGLU) and {@link org.layerskip.nn.RmsNorm}, and {@link
 * org.layerskip.nn.CacheFreePass}, the one layer loop over whole sequences without a cache
 * (evaluation, training). Blocks own weights only; per-request state (the KV cache) lives in {@link
 * org.layerskip.cache} and is passed in.
 *
 * <p>Shape legend used throughout: B batch, T new tokens in this pass, S visible keys (cached +
 * new), C cache capacity, D hidden size, H query heads, K key/value heads, G = H/K, Dh head dim, F
 * MLP inner width, V vocabulary, L layers, E exit layer (number of layers run).
 */
package org.layerskip.nn;
