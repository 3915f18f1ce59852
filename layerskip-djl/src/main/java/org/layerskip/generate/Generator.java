package org.layerskip.generate;

import ai.djl.ndarray.NDManager;

import org.layerskip.cache.DecoderState;
import org.layerskip.config.LibraryDefaults;
import org.layerskip.config.LlamaConfig;
import org.layerskip.engine.DecodeEngine;
import org.layerskip.engine.EngineSession;
import org.layerskip.engine.Engines;
import org.layerskip.nn.LlamaModel;
import org.layerskip.nn.ModelGuard;

import java.util.ArrayList;
import java.util.List;

/**
 * Generates tokens with a {@link LlamaModel}: autoregressive, early exit, or self-speculative.
 *
 * <p>A generator holds no per-request state, so one instance (and one model) can serve many
 * threads; each call allocates its own KV cache under a sub-manager that is closed before the call
 * returns, and every decoding step runs in its own {@link NDScope}, so native memory stays flat
 * over any number of calls. The model itself holds no per-request mutable state either (see {@link
 * LlamaModel}), so concurrent calls give exactly the results of the same calls made one after
 * another; sampling draws come from the per-call seed of {@link GenerationOptions}, never from
 * shared state.
 *
 * <p>Every argument is checked before any native work ({@link IllegalArgumentException} with one
 * clear message): null prompts or options, empty prompts, token ids outside the vocabulary, prompt
 * plus new tokens beyond the model's context, exit layers and EOS ids out of range.
 */
public final class Generator {

    private final LlamaModel model;
    private final LlamaConfig config;
    private final int defaultExitLayer;
    private final int defaultNumSpeculations;

    /**
     * Creates a generator with the library's self-speculation defaults ({@link LibraryDefaults}: E
     * = L/4, at least 1; d = 4). A model loaded from a folder has better ones: pass those that
     * {@code io.SpeculationDefaults} chooses to {@link #Generator(LlamaModel, int, int)}.
     *
     * @param model an initialised model
     */
    public Generator(LlamaModel model) {
        this(
                model,
                model == null ? 1 : LibraryDefaults.exitLayer(model.numLayers()),
                LibraryDefaults.NUM_SPECULATIONS);
    }

    /**
     * Creates a generator with the given defaults for options that leave E and d unset. The
     * generator is the only place where a request's 0 ("not set") becomes these values.
     *
     * @param model an initialised model
     * @param defaultExitLayer E used when options say 0
     * @param defaultNumSpeculations d used when options say 0
     */
    public Generator(LlamaModel model, int defaultExitLayer, int defaultNumSpeculations) {
        if (model == null) {
            throw new IllegalArgumentException("model must not be null");
        }
        if (!model.getEmbedding().isInitialized()) {
            throw new IllegalArgumentException("the model is not initialised");
        }
        if (defaultExitLayer < 1 || defaultExitLayer > model.numLayers()) {
            throw new IllegalArgumentException(
                    "default exit layer must be in [1, "
                            + model.numLayers()
                            + "], got "
                            + defaultExitLayer);
        }
        if (defaultNumSpeculations < 1) {
            throw new IllegalArgumentException(
                    "default num-speculations must be >= 1, got " + defaultNumSpeculations);
        }
        this.model = model;
        this.config = model.getConfig();
        this.defaultExitLayer = defaultExitLayer;
        this.defaultNumSpeculations = defaultNumSpeculations;
    }

    /**
     * Returns E used for requests that leave the exit layer at 0.
     *
     * @return the default exit layer
     */
    public int getDefaultExitLayer() {
        return defaultExitLayer;
    }

    /**
     * Returns d used for requests that leave the draft length at 0.
     *
     * @return the default number of speculations
     */
    public int getDefaultNumSpeculations() {
        return defaultNumSpeculations;
    }

    /**
     * Returns the model.
     *
     * @return the model
     */
    public LlamaModel getModel() {
        return model;
    }

    /**
     * Generates for one prompt.
     *
     * @param prompt prompt ids (used as given: add BOS yourself or through the tokenizer)
     * @param options what to do
     * @param listener receives tokens as they are produced
     * @return the result
     * @throws IllegalArgumentException for invalid ids, lengths or an exit layer out of range
     */
    public GenerationResult generate(
            long[] prompt, GenerationOptions options, TokenListener listener) {
        return generateBatch(new long[][] {prompt}, options, listener).get(0);
    }

    /**
     * Generates for several prompts in one batch (right-padded to a common length; each row has its
     * own positions and stops on its own).
     *
     * @param prompts prompt ids per row
     * @param options what to do
     * @param listener receives tokens as they are produced, with their row
     * @return one result per row
     */
    public List<GenerationResult> generateBatch(
            long[][] prompts, GenerationOptions options, TokenListener listener) {
        if (options == null) {
            throw new IllegalArgumentException("options must not be null");
        }
        if (prompts == null || prompts.length == 0) {
            throw new IllegalArgumentException("no prompt given");
        }
        int maxPrompt = 0;
        for (long[] p : prompts) {
            validatePrompt(p, options.maxNewTokens());
            maxPrompt = Math.max(maxPrompt, p.length);
        }
        int exit = resolveExit(options);
        List<Long> eos = options.eosTokenIds() != null ? options.eosTokenIds() : modelEos();
        for (long id : eos) {
            if (id < 0 || id >= config.vocabSize()) {
                throw new IllegalArgumentException(
                        "EOS token id "
                                + id
                                + " is outside the vocabulary [0, "
                                + config.vocabSize()
                                + ")");
            }
        }
        if (listener == null) {
            listener = TokenListener.NONE;
        }
        try (ModelGuard.Lease lease = model.guard().enter()) {
            DecodeEngine engine = Engines.of(model, options.engine());
            NDManager parent = model.getEmbedding().getArray().getManager();
            try (NDManager request = parent.newSubManager()) {
                if (options.strategy() == DecodingStrategy.SELF_SPECULATIVE) {
                    int d = resolveNumSpeculations(options);
                    return new SelfSpeculativeDecoder(
                                    model, engine, request, options, exit, d, eos, listener, lease)
                            .generate(prompts);
                }
                return autoregressive(
                        engine, request, prompts, maxPrompt, options, exit, eos, listener, lease);
            }
        }
    }

    private List<GenerationResult> autoregressive(
            DecodeEngine engine,
            NDManager request,
            long[][] prompts,
            int maxPrompt,
            GenerationOptions options,
            int exit,
            List<Long> eos,
            TokenListener listener,
            ModelGuard.Lease lease) {
        int b = prompts.length;
        int maxNew = options.maxNewTokens();
        long start = System.nanoTime();
        Picker picker = new Picker(options, b);
        BatchOutputs out = new BatchOutputs(b, maxNew, eos, listener);
        long prefillNanos;
        long kvBytes;
        int chunk = BatchPrefill.chunk(model, maxPrompt);
        try (DecoderState state = model.newState(request, b, maxPrompt + maxNew, chunk);
                EngineSession session = engine.open(state, picker.sampler(), 0)) {
            kvBytes = state.kvBytes();
            long[] first = BatchPrefill.run(session, state, prompts, exit, picker, chunk, lease);
            prefillNanos = System.nanoTime() - start;
            for (int r = 0; r < b; r++) {
                out.emit(r, first[r], TokenKind.PLAIN);
            }
            int[] rows;
            while ((rows = out.activeRows()).length > 0) {
                lease.check();
                long[] feed = new long[rows.length];
                for (int i = 0; i < rows.length; i++) {
                    feed[i] = out.last(rows[i]);
                }
                long[] next =
                        session.forward(
                                rows, feed, 1, exit, new int[rows.length], picker.uniforms(rows));
                for (int i = 0; i < rows.length; i++) {
                    out.emit(rows[i], next[i], TokenKind.PLAIN);
                }
            }
        }
        long decodeNanos = System.nanoTime() - start - prefillNanos;
        DecodingStrategy s =
                exit == config.numLayers() ? DecodingStrategy.AUTOREGRESSIVE : options.strategy();
        List<GenerationResult> results = new ArrayList<>();
        for (int r = 0; r < b; r++) {
            results.add(
                    new GenerationResult(
                            out.tokens(r),
                            out.reason(r),
                            s,
                            exit,
                            0,
                            prompts[r].length,
                            prefillNanos,
                            decodeNanos,
                            null,
                            kvBytes,
                            engine.kind()));
        }
        return results;
    }

    /** E for a request: L, or the option's / default exit layer, validated. */
    int resolveExit(GenerationOptions options) {
        int l = config.numLayers();
        switch (options.strategy()) {
            case AUTOREGRESSIVE:
                return l;
            case EARLY_EXIT:
                {
                    int e = options.exitLayer() > 0 ? options.exitLayer() : defaultExitLayer;
                    if (e < 1 || e > l) {
                        throw new IllegalArgumentException(
                                "exit-layer must be in [1, " + l + "], got " + e);
                    }
                    return e;
                }
            case SELF_SPECULATIVE:
                {
                    int e = options.exitLayer() > 0 ? options.exitLayer() : defaultExitLayer;
                    if (e < 1 || e >= l) {
                        throw new IllegalArgumentException(
                                "exit-layer for self-speculation must be in [1, "
                                        + (l - 1)
                                        + "], got "
                                        + e);
                    }
                    return e;
                }
            default:
                throw new IllegalStateException();
        }
    }

    /** d for a self-speculative request: the option's, or this generator's default when it is 0. */
    int resolveNumSpeculations(GenerationOptions options) {
        return options.numSpeculations() > 0 ? options.numSpeculations() : defaultNumSpeculations;
    }

    /** Checks a prompt's ids and that prompt + new tokens fit the model's context. */
    void validatePrompt(long[] prompt, int maxNew) {
        if (prompt == null || prompt.length == 0) {
            throw new IllegalArgumentException("the prompt is empty (give at least one token id)");
        }
        int v = config.vocabSize();
        for (int i = 0; i < prompt.length; i++) {
            if (prompt[i] < 0 || prompt[i] >= v) {
                throw new IllegalArgumentException(
                        "token id "
                                + prompt[i]
                                + " at prompt position "
                                + i
                                + " is outside the vocabulary [0, "
                                + v
                                + ")");
            }
        }
        long total = (long) prompt.length + maxNew;
        if (total > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException(
                    "prompt ("
                            + prompt.length
                            + " tokens) + max-new-tokens ("
                            + maxNew
                            + ") exceeds the model's context of "
                            + config.maxPositionEmbeddings()
                            + " tokens");
        }
    }

    /** The model's EOS ids. */
    List<Long> modelEos() {
        List<Long> eos = new ArrayList<>();
        for (int id : config.eosTokenIds()) {
            eos.add((long) id);
        }
        return eos;
    }
}
