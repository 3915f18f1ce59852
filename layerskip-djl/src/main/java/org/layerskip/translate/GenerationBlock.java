package org.layerskip.translate;

import ai.djl.inference.streaming.StreamingBlock;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.GenerationResult;
import org.layerskip.generate.Generator;
import org.layerskip.generate.TokenKind;
import org.layerskip.generate.TokenListener;
import org.layerskip.nn.LlamaModel;
import org.layerskip.nn.ModelGuard;
import org.layerskip.tokenizer.LlamaTokenizer;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A whole generation call as one DJL block, so that {@code Criteria → ZooModel → Predictor} runs
 * LayerSkip decoding (autoregressive, early exit or self-speculative; <a
 * href="https://arxiv.org/abs/2404.16710">LayerSkip</a> §4) through the ordinary predictor flow.
 *
 * <p>Why a block per <em>call</em> rather than per <em>step</em>: a DJL {@code Predictor} hands the
 * block nothing but an {@link NDList} ({@code block.forward(parameterStore, list, false)}), while
 * self-speculation needs to switch between "first E layers" and "remaining layers" several times
 * per token and to keep a KV cache between steps. Step-level blocks would need either mutable state
 * on the shared block (not thread-safe) or the whole cache threaded through the NDList. Here the
 * options travel inside the input list ({@link GenerationCodec}) and the {@link Generator}
 * allocates the caches per call, so this block holds no per-request state: one instance, inside one
 * {@code ZooModel}, serves any number of predictors on any number of threads.
 *
 * <p>Input: {@code [promptIds (1,T) int64, request (n,) int8]}. Output: {@code [tokenIds (N,)
 * int64, result (m,) int8]}; the request and the result are JSON objects with named fields, see
 * {@link GenerationCodec}. Stop strings need the model's tokenizer (given by {@link
 * LlamaBlockFactory} when the folder has one). The wrapped {@link LlamaModel} is this block's only
 * child; {@link #getModel()} gives direct access for code that drives it itself.
 *
 * <p>As a {@link StreamingBlock} ({@code Predictor.streamingPredict}), it yields one {@code
 * [(tokenId, kind id)]} list per token as soon as the token is accepted ({@link
 * GenerationCodec#encodeToken}), then the ordinary output list; closing the stream early stops the
 * generation.
 */
public final class GenerationBlock extends AbstractBlock implements StreamingBlock {

    private static final byte VERSION = 1;

    private final LlamaModel model;
    private final Generator generator;
    private final LlamaTokenizer tokenizer;

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

    /**
     * Wraps a loaded model with explicit defaults for E and d and the tokenizer that detects stop
     * strings.
     *
     * @param model an initialised model
     * @param defaultExitLayer E used when a request says 0
     * @param defaultNumSpeculations d used when a request says 0
     * @param tokenizer the model's tokenizer, or null (then requests with stop strings fail)
     */
    public GenerationBlock(
            LlamaModel model,
            int defaultExitLayer,
            int defaultNumSpeculations,
            LlamaTokenizer tokenizer) {
        this(model, new Generator(model, defaultExitLayer, defaultNumSpeculations), tokenizer);
    }

    private GenerationBlock(LlamaModel model, Generator generator) {
        this(model, generator, null);
    }

    private GenerationBlock(LlamaModel model, Generator generator, LlamaTokenizer tokenizer) {
        super(VERSION);
        this.model = addChildBlock("model", model);
        this.generator = generator;
        this.tokenizer = tokenizer;
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
            List<String> stops = GenerationCodec.decodeStops(inputs);
            TextStreamListener text =
                    stops.isEmpty()
                            ? null
                            : new TextStreamListener(requireTokenizer(), stops, null);
            List<TokenKind> kinds = new ArrayList<>();
            TokenListener listener =
                    new TokenListener() {
                        @Override
                        public void onToken(int row, long tokenId, TokenKind kind) {
                            kinds.add(kind);
                            if (text != null) {
                                text.onToken(row, tokenId, kind);
                            }
                        }

                        @Override
                        public boolean stopRequested(int row) {
                            return text != null && text.stopRequested(row);
                        }
                    };
            GenerationResult r = generator.generate(prompt, options, listener);
            // Outputs live on the caller's (translator context's) manager, like any block output.
            return GenerationCodec.encodeResult(inputs.head().getManager(), r, kinds);
        } catch (IllegalStateException e) {
            if (model.guard().isClosed()
                    && !String.valueOf(e.getMessage()).startsWith("the model")) {
                throw new IllegalStateException("the model was closed during generation", e);
            }
            throw e;
        }
    }

    /** {@inheritDoc} */
    @Override
    public Stream<NDList> forwardStream(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        StreamingGeneration it = start(inputs, training);
        Spliterator<NDList> split = Spliterators.spliteratorUnknownSize(it, Spliterator.NONNULL);
        return StreamSupport.stream(split, false).onClose(it::close);
    }

    /** {@inheritDoc} */
    @Override
    public Iterator<NDList> forwardStreamIter(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        return start(inputs, training);
    }

    private StreamingGeneration start(NDList inputs, boolean training) {
        if (training) {
            throw new UnsupportedOperationException("GenerationBlock is inference only");
        }
        long[] prompt = GenerationCodec.decodePrompt(inputs);
        GenerationOptions options = GenerationCodec.decodeOptions(inputs);
        List<String> stops = GenerationCodec.decodeStops(inputs);
        return new StreamingGeneration(
                generator,
                prompt,
                options,
                stops.isEmpty() ? null : requireTokenizer(),
                stops,
                inputs.head().getManager());
    }

    private LlamaTokenizer requireTokenizer() {
        if (tokenizer == null) {
            throw new IllegalArgumentException(
                    "stop strings need the model's tokenizer.json in the model folder");
        }
        return tokenizer;
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(-1), new Shape(-1)};
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes, DataType[] dataTypes) {
        return getOutputShapes(inputShapes);
    }
}
