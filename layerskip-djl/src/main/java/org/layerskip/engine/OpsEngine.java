package org.layerskip.engine;

import org.layerskip.cache.DecoderState;
import org.layerskip.nn.LlamaModel;

/**
 * The per-op DJL path: every pass is the layer loop of {@link LlamaModel#runLayers}, one DJL call
 * per tensor operation, and token choice happens on the host ({@link TokenSampler} in double
 * precision). It is the reference the fused engine is tested against, the path training
 * differentiates, and the fallback for models the fused step cannot run.
 */
public final class OpsEngine implements DecodeEngine {

    private final LlamaModel model;

    /**
     * Creates the engine of a model.
     *
     * @param model an initialised model
     */
    public OpsEngine(LlamaModel model) {
        if (model == null) {
            throw new IllegalArgumentException("model must not be null");
        }
        this.model = model;
    }

    /** {@inheritDoc} */
    @Override
    public EngineKind kind() {
        return EngineKind.OPS;
    }

    /** {@inheritDoc} */
    @Override
    public EngineSession open(DecoderState state, TokenSampler sampler, int maxDraft) {
        return new OpsSession(model, state, sampler);
    }
}
