package org.layerskip.translate;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.GenerationResult;
import org.layerskip.generate.Generator;
import org.layerskip.nn.LlamaModel;
import org.layerskip.nn.ModelGuard;

/**
 * A whole generation call as one DJL block, so that {@code Criteria → ZooModel → Predictor} runs
 * LayerSkip decoding (autoregressive, early exit or self-speculative; <a
 * href="https://arxiv.org/abs/2404.16710">LayerSkip</a> §4) through the ordinary predictor flow.
 *
 * <p>Why a block per <em>call</em> rather than per <em>step</em>: a DJL {@code Predictor} hands the
 * block nothing but an {@link NDList} ({@code block.forward(parameterStore, list, false)}), while
 * self-speculation needs to switch between "first E layers" and "remaining layers" several times
 * per token and to keep a KV cache between steps. Step-level blocks would need either mutable
 * state on the shared block (not thread-safe) or the whole cache threaded through the NDList. Here
 * the options travel inside the input list ({@link GenerationCodec}) and the {@link Generator}
 * allocates the caches per call, so this block holds no per-request state: one instance, inside
 * one {@code ZooModel}, serves any number of predictors on any number of threads.
 *
 * <p>Input: {@code [promptIds (1,T) int64, intOptions (7,) int64, floatOptions (3,) float64(,
 * eosIds)]}. Output: {@code [tokenIds (N,) int64, stats (14,) int64]}; see {@link
 * GenerationCodec}. The wrapped {@link LlamaModel} is this block's only child; {@link #getModel()}
 * gives direct access for code that drives it itself.
 */
public final class GenerationBlock extends AbstractBlock {

    private static final byte VERSION = 1;

    private final LlamaModel model;
    private final Generator generator;

    /**
     * Wraps a loaded model; options that leave E and d at 0 get the {@link Generator} defaults.
     *
     * @param model an initialised model
     */
    public GenerationBlock(LlamaModel model) {
        this(model, new Generator(model));
    }

    /**
     * Wraps a loaded model with explicit defaults for E and d.
     *
     * @param model an initialised model
     * @param defaultExitLayer E used when a request says 0
     * @param defaultNumSpeculations d used when a request says 0
     */
    public GenerationBlock(LlamaModel model, int defaultExitLayer, int defaultNumSpeculations) {
        this(model, new Generator(model, defaultExitLayer, defaultNumSpeculations));
    }

    private GenerationBlock(LlamaModel model, Generator generator) {
        super(VERSION);
        this.model = addChildBlock("model", model);
        this.generator = generator;
    }

    /**
     * Returns the wrapped model.
     *
     * @return the model
     */
    public LlamaModel getModel() {
        return model;
    }

    /**
     * Returns the generator the block runs (for streaming callers that bypass the predictor).
     *
     * @return the generator
     */
    public Generator getGenerator() {
        return generator;
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        if (training) {
            throw new UnsupportedOperationException(
                    "GenerationBlock is inference only; train the LlamaModel child instead");
        }
        // The lease spans the whole call: closing the model (ZooModel.close) also closes the
        // predictor's context manager that holds this call's inputs and outputs, so a failure there
        // after close is reported as what it is.
        try (ModelGuard.Lease lease = model.guard().enter()) {
            long[] prompt = GenerationCodec.decodePrompt(inputs);
            GenerationOptions options = GenerationCodec.decodeOptions(inputs);
            GenerationResult r = generator.generate(prompt, options, null);
            // Outputs live on the caller's (translator context's) manager, like any block output.
            return GenerationCodec.encodeResult(inputs.head().getManager(), r);
        } catch (IllegalStateException e) {
            if (model.guard().isClosed() && !String.valueOf(e.getMessage()).startsWith("the model")) {
                throw new IllegalStateException("the model was closed during generation", e);
            }
            throw e;
        }
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(-1), new Shape(14)};
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes, DataType[] dataTypes) {
        return getOutputShapes(inputShapes);
    }
}
