/**
 * The decode engines under every strategy: {@link org.layerskip.engine.FusedEngine} runs a whole
 * pass (embedding, layers a..b with the KV cache written in place, the exit-state store, the shared
 * head, the token choice) or a whole self-speculative round as one native call of a weight-free
 * TorchScript program; {@link org.layerskip.engine.OpsEngine} is the per-op DJL reference path.
 * Both implement {@link org.layerskip.engine.DecodeEngine} over a request's {@link
 * org.layerskip.cache.DecoderState}; {@link org.layerskip.engine.Engines} chooses one per model
 * ({@link org.layerskip.engine.EngineKind}, system property {@code layerskip.engine}). Token choice
 * (argmax, or {@link org.layerskip.engine.TokenSampler}'s temperature / top-k / top-p draw at a
 * host-drawn uniform) happens inside the engine. The fused engine picks a matrix kernel per weight
 * matrix ({@code linear}, transposed {@code matmul}, oneDNN-prepacked, or FBGEMM's packed half
 * precision for F16 weights on CPU, which replaces the model's own copies). This is the only
 * package that uses DJL's PyTorch-specific classes.
 */
package org.layerskip.engine;
