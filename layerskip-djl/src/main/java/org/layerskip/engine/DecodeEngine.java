package org.layerskip.engine;

import org.layerskip.cache.DecoderState;

/**
 * What runs a model's passes for the decoding strategies: the per-op DJL path ({@link OpsEngine},
 * the reference, differentiable, any DJL engine) or the fused TorchScript step ({@link
 * FusedEngine}, one native call per pass). Both give the strategies the same few operations over a
 * request's {@link DecoderState}; the strategies hold the bookkeeping (what to feed, when to stop,
 * what to accept, how far to roll back), the engines the math.
 */
public interface DecodeEngine {

    /**
     * Returns which path this is.
     *
     * @return the kind
     */
    EngineKind kind();

    /**
     * Opens the per-request side of the engine over a fresh state.
     *
     * @param state the request's state (the session's native resources are closed with it)
     * @param sampler how to choose tokens, or null for greedy decoding
     * @param maxDraft the most tokens one speculative round drafts per row (0 without speculation)
     * @return the session
     */
    EngineSession open(DecoderState state, TokenSampler sampler, int maxDraft);

    /**
     * Waits until work the engine does in the background after it is made (the fused engine's
     * weight packing) has ended, so that what follows runs at full speed; benchmarks call it before
     * timing. Requests need not wait: they run correctly from the start.
     */
    default void awaitReady() {}
}
