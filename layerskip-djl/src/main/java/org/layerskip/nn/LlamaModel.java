package org.layerskip.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import org.layerskip.cache.AttentionGroup;
import org.layerskip.cache.DecoderState;
import org.layerskip.cache.KvCache;
import org.layerskip.cache.PassPlan;
import org.layerskip.config.LayerAttention;
import org.layerskip.config.LlamaConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * A Llama-family decoder whose exit head (final RMSNorm + LM head) is shared by every layer, so it
 * can stop after any layer E and decode from there (LayerSkip, Elhoushi et al. 2024, §4.2).
 *
 * <ul>
 *   <li>input: token ids {@code (B, T)} int64
 *   <li>parameter {@code embedding}: {@code (V, D)}; {@code lmHead}: {@code (V, D)} unless tied
 *   <li>children: {@code L} {@link LlamaDecoderLayer}s and the final {@link RmsNorm}
 *   <li>output: logits {@code (B, T, V)}
 * </ul>
 *
 * <p>Entry points: {@link #forward(ParameterStore, NDArray, DecoderState, int, boolean)} runs the
 * first E layers over new tokens with a KV cache (prefill, decoding, early exit); the two LayerSkip
 * passes are {@link #forwardEarly} (layers {@code 0..E-1} and the shared head, storing exit states)
 * and {@link #forwardRemainder} (layers {@code E..L-1} over the stored exit states); {@link
 * #runLayers(ParameterStore, NDArray, PassPlan, boolean)} is the one layer loop they share; the DJL
 * {@code forward} and {@link #forwardExits} run whole sequences without a cache (evaluation,
 * training) through {@link CacheFreePass}, the one cache-free loop, with optional parameter {@code
 * "exitLayer"}. This is the per-op reference path; the fused engine ({@code org.layerskip.engine})
 * runs the same math in one native call per pass.
 *
 * <p><b>Thread safety.</b> Once initialised (and, for inference, frozen with {@code
 * freezeParameters(true)}, as {@link org.layerskip.io.HfLlama#load} does), a model holds no
 * per-request mutable state: everything a request mutates lives in its {@link DecoderState}, and
 * the inference entry points only read the parameters. One model can therefore serve any number of
 * threads at once, each with its own state and parameter store. Frozen parameters do not require
 * gradients, so no autograd graph is recorded on any thread, whatever the thread's grad mode.
 *
 * <p><b>Arguments.</b> Every public entry point checks its arguments (nulls, ids dtype and shape,
 * token ids outside the vocabulary, exit layers, batch sizes, cache slots) and throws an {@link
 * IllegalArgumentException} with one clear message before anything reaches the native engine.
 */
public final class LlamaModel extends AbstractBlock {

    private static final byte VERSION = 1;

    private final LlamaConfig config;
    private final Parameter embedding;
    private final Parameter lmHead;
    private final List<LlamaDecoderLayer> layers;
    private final RmsNorm norm;
    private final Rope rope;
    private final ModelGuard guard = new ModelGuard();
    private volatile String matricesGone;
    private volatile EmbeddingFile embeddingFile;

    private LlamaModel(Builder builder) {
        super(VERSION);
        this.config = builder.config;
        int v = config.vocabSize();
        int d = config.hiddenSize();
        embedding =
                addParameter(
                        Parameter.builder()
                                .setName("embedding")
                                .setType(Parameter.Type.WEIGHT)
                                .optShape(new Shape(v, d))
                                .build());
        List<LlamaDecoderLayer> list = new ArrayList<>();
        for (int i = 0; i < config.numLayers(); i++) {
            list.add(addChildBlock("layer" + i, new LlamaDecoderLayer(config)));
        }
        layers = Collections.unmodifiableList(list);
        norm = addChildBlock("norm", new RmsNorm(d, (float) config.rmsNormEps()));
        lmHead =
                config.tieWordEmbeddings()
                        ? null
                        : addParameter(
                                Parameter.builder()
                                        .setName("lmHead")
                                        .setType(Parameter.Type.WEIGHT)
                                        .optShape(new Shape(v, d))
                                        .build());
        rope = new Rope(config);
    }

    /**
     * Creates a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the architecture.
     *
     * @return the configuration
     */
    public LlamaConfig getConfig() {
        return config;
    }

    /**
     * Returns L.
     *
     * @return the number of layers
     */
    public int numLayers() {
        return layers.size();
    }

    /**
     * Returns one decoder layer.
     *
     * @param i index in {@code [0, L)}
     * @return the layer
     */
    public LlamaDecoderLayer getLayer(int i) {
        return layers.get(i);
    }

    /**
     * Returns the token embedding {@code (V, D)}.
     *
     * @return the parameter
     */
    public Parameter getEmbedding() {
        return embedding;
    }

    /**
     * Returns the LM head {@code (V, D)}; the embedding when the head is tied.
     *
     * @return the parameter
     */
    public Parameter getLmHead() {
        return lmHead == null ? embedding : lmHead;
    }

    /**
     * Returns the final (exit) norm.
     *
     * @return the norm
     */
    public RmsNorm getNorm() {
        return norm;
    }

    /**
     * Returns the guard that keeps the weights alive while requests run (see {@link ModelGuard}).
     *
     * @return the guard
     */
    public ModelGuard guard() {
        return guard;
    }

    /**
     * Returns the rotary embedding.
     *
     * @return rope
     */
    public Rope getRope() {
        return rope;
    }

    /**
     * Allocates the per-request state (KV caches) for this model.
     *
     * @param manager the manager to allocate under
     * @param batch B
     * @param capacity C, slots per row
     * @return a new state; close it when the request ends
     */
    public DecoderState newState(NDManager manager, int batch, int capacity) {
        notNull(manager, "manager");
        return new DecoderState(manager, config, batch, capacity, dataType());
    }

    /**
     * Allocates the per-request state; sliding-window and chunked layers get ring caches sized
     * {@code window + maxPassTokens}, so their memory does not grow with the text.
     *
     * @param manager the manager to allocate under
     * @param batch B
     * @param capacity the most positions per row
     * @param maxPassTokens the most tokens any single pass will process
     * @return a new state; close it when the request ends
     */
    public DecoderState newState(NDManager manager, int batch, int capacity, int maxPassTokens) {
        return new DecoderState(manager, config, batch, capacity, maxPassTokens, dataType());
    }

    /**
     * Records that an engine took over the weight matrices (the projections, and the LM head when
     * it is not tied) in a layout of its own and freed the model's copies, so that memory stays
     * close to the weights. From then on the per-op entry points ({@link #runLayers}, {@link
     * #head}, {@link #forwardExits} and what composes them) fail with an {@link
     * IllegalStateException} giving this reason, instead of computing on freed tensors. The norms
     * stay; the embedding stays too, unless the engine maps it from the checkpoint instead ({@link
     * #embeddingFile}).
     *
     * @param reason what took the matrices and how to keep them
     */
    public void retireMatrices(String reason) {
        notNull(reason, "reason");
        matricesGone = reason;
    }

    /**
     * Records where the token embedding sits in the checkpoint it was loaded from (the loader does
     * this), so that an engine may memory-map it instead of keeping the table in memory.
     *
     * @param file the location, or null when unknown
     */
    public void setEmbeddingFile(EmbeddingFile file) {
        this.embeddingFile = file;
    }

    /**
     * Returns where the token embedding sits in the checkpoint it was loaded from.
     *
     * @return the location, or empty for a model built or trained in memory
     */
    public Optional<EmbeddingFile> embeddingFile() {
        return Optional.ofNullable(embeddingFile);
    }

    /**
     * Returns whether an engine took over the weight matrices ({@link #retireMatrices}).
     *
     * @return true when the per-op path can no longer run this model
     */
    public boolean matricesRetired() {
        return matricesGone != null;
    }

    /**
     * Throws when an engine took over the weight matrices ({@link #retireMatrices}).
     *
     * @throws IllegalStateException naming the reason
     */
    public void requireMatrices() {
        String why = matricesGone;
        if (why != null) {
            throw new IllegalStateException(
                    "this model's weight matrices are held by the fused engine only (" + why + ")");
        }
    }

    /**
     * Returns the data type of the weights.
     *
     * @return the dtype
     */
    public DataType dataType() {
        NDArray e = embedding.getArray();
        return e == null ? DataType.FLOAT32 : e.getDataType();
    }

    /**
     * Runs new tokens through the first {@code exitLayer} layers and the shared exit head, writing
     * their keys and values into the state at each row's next free slots (mutates {@code state}).
     *
     * @param ps the parameter store
     * @param ids new token ids {@code (B, T)} int64
     * @param state the request state
     * @param exitLayer E in {@code [1, L]}
     * @param lastOnly compute logits for the last position only
     * @return logits {@code (B, T or 1, V)} and the exit-layer hidden states {@code (B, T, D)}
     */
    public DecoderOutput forward(
            ParameterStore ps, NDArray ids, DecoderState state, int exitLayer, boolean lastOnly) {
        checkExit(exitLayer);
        checkState(state, ids);
        NDArray h = runLayers(ps, embed(ps, ids), plan(state, 0, exitLayer, ids), false);
        return new DecoderOutput(head(ps, lastOnly ? lastPosition(h) : h), h);
    }

    /**
     * Like {@link #forward(ParameterStore, NDArray, DecoderState, int, boolean)} but computes
     * logits only at one position per row (for prompts of different lengths, right-padded in one
     * batch).
     *
     * @param ps the parameter store
     * @param ids new token ids {@code (B, T)} int64
     * @param state the request state (mutated)
     * @param exitLayer E in {@code [1, L]}
     * @param positions per row, the index in {@code [0, T)} whose logits to return
     * @return logits {@code (B, 1, V)} and the hidden states {@code (B, T, D)}
     */
    public DecoderOutput forward(
            ParameterStore ps, NDArray ids, DecoderState state, int exitLayer, int[] positions) {
        checkExit(exitLayer);
        checkState(state, ids);
        checkPositions(positions, ids.getShape().get(0), ids.getShape().get(1));
        NDArray h = runLayers(ps, embed(ps, ids), plan(state, 0, exitLayer, ids), false);
        return new DecoderOutput(head(ps, pick(h, positions)), h);
    }

    /**
     * LayerSkip's draft pass ({@code forward_early}): new tokens through layers {@code 0..E-1} and
     * the shared exit head; their keys/values go into the KV cache and their layer-E hidden states
     * into the state's exit-state cache, from which {@link #forwardRemainder} resumes (mutates
     * {@code state}).
     *
     * @param ps the parameter store
     * @param ids new token ids {@code (B, T)} int64
     * @param state the request state
     * @param exitLayer E in {@code [1, L - 1]}
     * @return logits at the last position {@code (B, 1, V)} and the exit states {@code (B, T, D)}
     */
    public DecoderOutput forwardEarly(
            ParameterStore ps, NDArray ids, DecoderState state, int exitLayer) {
        checkDraftExit(exitLayer);
        checkState(state, ids);
        NDArray h = runLayers(ps, embed(ps, ids), plan(state, 0, exitLayer, ids), true);
        return new DecoderOutput(head(ps, lastPosition(h)), h);
    }

    /**
     * LayerSkip's verification pass ({@code forward_remainder}): layers {@code E..L-1} over the
     * stored exit states of each row's next {@code count} positions (those the draft passes ran but
     * the upper layers have not), then the exit head (mutates {@code state}).
     *
     * @param ps the parameter store
     * @param state the request state
     * @param exitLayer E in {@code [1, L - 1]}
     * @param count how many positions to verify, {@code >= 1}
     * @return the full model's logits after each of those positions {@code (B, count, V)}
     */
    public NDArray forwardRemainder(
            ParameterStore ps, DecoderState state, int exitLayer, int count) {
        checkDraftExit(exitLayer);
        notNull(state, "state");
        checkLayers(state);
        PassPlan plan = PassPlan.of(state, exitLayer, layers.size(), count);
        return head(ps, runLayers(ps, readExitStates(plan), plan, false));
    }

    /**
     * Looks up token embeddings.
     *
     * @param ps the parameter store
     * @param ids {@code (B, T)} int64, every id in {@code [0, V)} (checked on the device)
     * @return {@code (B, T, D)}
     */
    public NDArray embed(ParameterStore ps, NDArray ids) {
        return embed(ps, ids, false);
    }

    /** {@link #embed(ParameterStore, NDArray)}, fetching the embedding for training or not. */
    NDArray embed(ParameterStore ps, NDArray ids, boolean training) {
        notNull(ps, "parameter store");
        checkIds(ids);
        return lookup(ps, ids, training);
    }

    /**
     * Looks up token embeddings of ids given on the host (checked there, so no device read-back).
     *
     * @param ps the parameter store
     * @param manager where to create the ids
     * @param ids row-major {@code (rows, tokens)} ids, each in {@code [0, V)}
     * @param rows number of rows
     * @param tokens tokens per row
     * @return {@code (rows, tokens, D)}
     */
    public NDArray embed(ParameterStore ps, NDManager manager, long[] ids, int rows, int tokens) {
        notNull(ps, "parameter store");
        notNull(manager, "manager");
        notNull(ids, "token ids");
        if (rows < 1 || tokens < 1 || (long) rows * tokens != ids.length) {
            throw new IllegalArgumentException(
                    ids.length + " token ids do not form " + rows + " rows of " + tokens);
        }
        int v = config.vocabSize();
        for (long id : ids) {
            if (id < 0 || id >= v) {
                throw new IllegalArgumentException(
                        "token id " + id + " is outside the vocabulary [0, " + v + ")");
            }
        }
        return lookup(ps, manager.create(ids, new Shape(rows, tokens)), false);
    }

    private NDArray lookup(ParameterStore ps, NDArray ids, boolean training) {
        NDArray w = ps.getValue(embedding, ids.getDevice(), training);
        return ids.getNDArrayInternal().embedding(ids, w, SparseFormat.DENSE).singletonOrThrow();
    }

    /**
     * Runs layers {@code [plan.from(), plan.to())} over hidden states of the plan's rows, writing
     * keys/values at the plan's slots, and commits the plan's fill lengths. This is the loop the
     * other entry points compose; engines call it with their own plans.
     *
     * @param ps the parameter store
     * @param h {@code (b, T, D)} for the plan's b rows and T tokens
     * @param plan the pass plan (of a state of this model)
     * @param storeExitStates whether to store the outputs as exit states (the draft pass)
     * @return {@code (b, T, D)}
     */
    public NDArray runLayers(ParameterStore ps, NDArray h, PassPlan plan, boolean storeExitStates) {
        requireMatrices();
        notNull(ps, "parameter store");
        notNull(plan, "plan");
        checkHidden(h);
        checkLayers(plan.state());
        if (h.getShape().get(0) != plan.batchSize() || h.getShape().get(1) != plan.tokens()) {
            throw new IllegalArgumentException(
                    "hidden states "
                            + h.getShape()
                            + " do not match the plan's "
                            + plan.batchSize()
                            + " rows of "
                            + plan.tokens()
                            + " tokens");
        }
        DecoderState state = plan.state();
        PassTensors pass = new PassTensors(this, h.getManager(), plan);
        for (int l = plan.from(); l < plan.to(); l++) {
            KvCache cache = state.layer(l);
            h = layers.get(l).forward(ps, h, pass.forLayer(l), cache.keys(), cache.values(), false);
        }
        if (storeExitStates) {
            NDArray slots =
                    h.getManager()
                            .create(plan.exitSlots(), new Shape(plan.batchSize(), plan.tokens()));
            state.exitStates().buffer().set(new NDIndex("{}, {}", pass.writeRows(), slots), h);
        }
        plan.commit();
        return h;
    }

    /**
     * Reads the stored exit states of the plan's rows and positions.
     *
     * @param plan a plan starting at the first layer the stored states have not run through
     * @return {@code (b, T, D)}
     */
    public NDArray readExitStates(PassPlan plan) {
        notNull(plan, "plan");
        int b = plan.batchSize();
        int t = plan.tokens();
        int[] rows = plan.rows();
        long[] rowOfToken = new long[b * t];
        for (int i = 0; i < b; i++) {
            java.util.Arrays.fill(rowOfToken, i * t, (i + 1) * t, rows[i]);
        }
        NDArray buffer = plan.state().exitStates().buffer();
        NDManager m = buffer.getManager();
        NDArray r = m.create(rowOfToken, new Shape(b, t));
        NDArray s = m.create(plan.exitSlots(), new Shape(b, t));
        return buffer.get(new NDIndex("{}, {}", r, s)); // (b, T, D)
    }

    /**
     * The shared exit head: final norm and LM head.
     *
     * @param ps the parameter store
     * @param h hidden states {@code (..., D)} from any layer, e.g. {@code (B, T, D)}, or several
     *     exits stacked as {@code (E, B, T, D)} for one batched call
     * @return logits {@code (..., V)}
     */
    public NDArray head(ParameterStore ps, NDArray h) {
        requireMatrices();
        notNull(ps, "parameter store");
        notNull(h, "hidden states");
        Shape hs = h.getShape();
        if (hs.dimension() < 2 || hs.get(hs.dimension() - 1) != config.hiddenSize()) {
            throw new IllegalArgumentException(
                    "hidden states must have shape (..., " + config.hiddenSize() + "), got " + hs);
        }
        if (h.getDataType() != dataType()) {
            throw new IllegalArgumentException(
                    "hidden states must be " + dataType() + ", got " + h.getDataType());
        }
        NDArray w = ps.getValue(getLmHead(), h.getDevice(), false);
        return Linear.linear(norm.forward(ps, h, false), w).singletonOrThrow();
    }

    /**
     * The shared exit head at one position per row.
     *
     * @param ps the parameter store
     * @param h hidden states {@code (B, T, D)}
     * @param positions per row, an index in {@code [0, T)}
     * @return logits {@code (B, 1, V)}
     */
    public NDArray head(ParameterStore ps, NDArray h, int[] positions) {
        checkHidden(h);
        checkPositions(positions, h.getShape().get(0), h.getShape().get(1));
        boolean last = true;
        for (int p : positions) {
            last &= p == h.getShape().get(1) - 1;
        }
        return head(ps, last ? lastPosition(h) : pick(h, positions));
    }

    /**
     * Runs a whole sequence without a cache, for training and evaluation, and returns the exit
     * head's logits at each requested exit layer.
     *
     * @param ps the parameter store
     * @param ids {@code (B, T)} int64
     * @param exits exit layers in {@code [1, L]}, ascending
     * @param training whether gradients are recorded
     * @return one logits array {@code (B, T, V)} per exit, in order
     */
    public NDList forwardExits(ParameterStore ps, NDArray ids, int[] exits, boolean training) {
        requireMatrices();
        notNull(ps, "parameter store");
        notNull(ids, "token ids");
        if (exits == null || exits.length == 0) {
            throw new IllegalArgumentException("give at least one exit layer");
        }
        boolean[] collect = new boolean[layers.size()];
        for (int i = 0; i < exits.length; i++) {
            checkExit(exits[i]);
            if (i > 0 && exits[i] <= exits[i - 1]) {
                throw new IllegalArgumentException(
                        "exit layers must be strictly ascending, got " + Arrays.toString(exits));
            }
            collect[exits[i] - 1] = true;
        }
        NDList hidden = CacheFreePass.run(this, ps, ids, collect, training);
        NDArray headW = ps.getValue(getLmHead(), ids.getDevice(), training);
        NDList out = new NDList();
        for (NDArray h : hidden) {
            out.add(Linear.linear(norm.forward(ps, h, training), headW).singletonOrThrow());
        }
        return out;
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        int exit = config.numLayers();
        if (params != null && params.contains("exitLayer")) {
            Object e = params.get("exitLayer");
            if (!(e instanceof Integer)) {
                throw new IllegalArgumentException(
                        "parameter exitLayer must be an Integer, got " + e);
            }
            exit = (Integer) e;
        }
        notNull(inputs, "inputs");
        if (inputs.size() != 1) {
            throw new IllegalArgumentException(
                    "expected one input (token ids), got " + inputs.size());
        }
        return forwardExits(ps, inputs.head(), new int[] {exit}, training);
    }

    private void checkExit(int exitLayer) {
        if (exitLayer < 1 || exitLayer > layers.size()) {
            throw new IllegalArgumentException(
                    "exit layer must be in [1, " + layers.size() + "], got " + exitLayer);
        }
    }

    private static void notNull(Object o, String what) {
        if (o == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
    }

    /**
     * Checks token ids: an int64 (or int32) array of shape {@code (B, T)}, B, T &gt;= 1, every id
     * in {@code [0, V)}. Reads the min and max back, so an out-of-range id never reaches the native
     * embedding lookup (on CUDA that would be a device-side assert that poisons the context).
     */
    private void checkIds(NDArray ids) {
        notNull(ids, "token ids");
        DataType t = ids.getDataType();
        if (t != DataType.INT64 && t != DataType.INT32) {
            throw new IllegalArgumentException(
                    "token ids must be an int64 (or int32) array, got " + t);
        }
        Shape s = ids.getShape();
        if (s.dimension() != 2 || s.get(0) < 1 || s.get(1) < 1) {
            throw new IllegalArgumentException(
                    "token ids must have shape (B, T) with B, T >= 1, got " + s);
        }
        long min;
        long max;
        try (NDArray lo = ids.min();
                NDArray hi = ids.max()) {
            min = t == DataType.INT64 ? lo.getLong() : lo.getInt();
            max = t == DataType.INT64 ? hi.getLong() : hi.getInt();
        }
        int v = config.vocabSize();
        if (min < 0 || max >= v) {
            throw new IllegalArgumentException(
                    "token id "
                            + (min < 0 ? min : max)
                            + " is outside the vocabulary [0, "
                            + v
                            + ")");
        }
    }

    private void checkState(DecoderState state, NDArray ids) {
        notNull(state, "state");
        checkIds(ids);
        if (ids.getShape().get(0) != state.batchSize()) {
            throw new IllegalArgumentException(
                    "token ids have "
                            + ids.getShape().get(0)
                            + " rows but the state was allocated for "
                            + state.batchSize());
        }
        if (state.numLayers() != layers.size()) {
            throw new IllegalArgumentException(
                    "the state has " + state.numLayers() + " layers, the model " + layers.size());
        }
    }

    /** Hidden states: a 3-D {@code (B, T, D)} array in the model's data type. */
    private void checkHidden(NDArray h) {
        notNull(h, "hidden states");
        Shape s = h.getShape();
        if (s.dimension() != 3 || s.get(0) < 1 || s.get(1) < 1 || s.get(2) != config.hiddenSize()) {
            throw new IllegalArgumentException(
                    "hidden states must have shape (B, T, " + config.hiddenSize() + "), got " + s);
        }
        if (h.getDataType() != dataType()) {
            throw new IllegalArgumentException(
                    "hidden states must be " + dataType() + ", got " + h.getDataType());
        }
    }

    private static NDArray lastPosition(NDArray h) {
        long t = h.getShape().get(1);
        return t == 1 ? h : h.get(NDIndex.sliceAxis(1, t - 1, t));
    }

    /** Checks that an exit layer leaves layers to verify with: E in [1, L - 1]. */
    private void checkDraftExit(int exitLayer) {
        if (exitLayer < 1 || exitLayer >= layers.size()) {
            throw new IllegalArgumentException(
                    "exit layer for drafting must be in [1, "
                            + (layers.size() - 1)
                            + "], got "
                            + exitLayer);
        }
    }

    private void checkLayers(DecoderState state) {
        if (state.numLayers() != layers.size()) {
            throw new IllegalArgumentException(
                    "the state has " + state.numLayers() + " layers, the model " + layers.size());
        }
    }

    private static void checkPositions(int[] positions, long rows, long tokens) {
        notNull(positions, "positions");
        if (positions.length != rows) {
            throw new IllegalArgumentException(
                    "positions has " + positions.length + " entries for " + rows + " rows");
        }
        for (int p : positions) {
            if (p < 0 || p >= tokens) {
                throw new IllegalArgumentException(
                        "position "
                                + p
                                + " outside the "
                                + tokens
                                + " new tokens [0, "
                                + tokens
                                + ")");
            }
        }
    }

    private static PassPlan plan(DecoderState state, int from, int to, NDArray ids) {
        return PassPlan.of(state, from, to, (int) ids.getShape().get(1));
    }

    /**
     * Picks one position per row.
     *
     * @param h {@code (B, T, D)}
     * @param positions per row, an index in {@code [0, T)}
     * @return {@code (B, 1, D)}
     */
    static NDArray pick(NDArray h, int[] positions) {
        long b = h.getShape().get(0);
        long[] rows = new long[(int) b];
        long[] cols = new long[(int) b];
        for (int r = 0; r < b; r++) {
            rows[r] = r;
            cols[r] = positions[r];
        }
        NDManager m = h.getManager();
        return h.get(new NDIndex("{}, {}", m.create(rows), m.create(cols))).expandDims(1);
    }

    /**
     * Builds the inputs of a cache-free pass over whole sequences with full attention (training and
     * evaluation): positions {@code 0..T-1}, causal, shared by every row (tables have batch 1 and
     * broadcast), so any subset of rows can use it.
     *
     * @param manager where to create the tables
     * @param t T, the sequence length
     * @return the inputs
     */
    public LayerInputs trainingContext(NDManager manager, int t) {
        return trainingContext(manager, t, LayerAttention.FULL);
    }

    /**
     * Builds the inputs of a cache-free pass over whole sequences for one attention kind. Chunked
     * attention over a sequence of several whole blocks is computed block by block (dense {@code B
     * x B} work, O(T·B) instead of O(T²)).
     *
     * @param manager where to create the tables
     * @param t T, the sequence length
     * @param kind the layer's attention kind
     * @return the inputs
     */
    public LayerInputs trainingContext(NDManager manager, int t, LayerAttention kind) {
        // owned copies: autograd keeps these until backward
        long[][] positions = new long[1][t];
        for (int j = 0; j < t; j++) {
            positions[0][j] = j;
        }
        NDArray[] cs = rope.tables(manager, positions, dataType(), true);
        NDArray rotate = rope.rotateHalfMatrix(manager, dataType(), true);
        int block = 0;
        int span = t;
        if (kind.kind() == LayerAttention.Kind.CHUNKED && t > kind.size() && t % kind.size() == 0) {
            block = kind.size();
            span = block;
        }
        NDArray bias = null;
        if (span > 1) {
            LayerAttention k = block > 0 ? LayerAttention.FULL : kind;
            AttentionGroup g = new AttentionGroup(0, k, span, false);
            NDArray b = PassTensors.bias(this, manager, g, new int[1], span, span, true);
            bias = b.duplicate(); // engine-owned: autograd may keep it past its Java buffer
            b.close();
        }
        return new LayerInputs(cs[0], cs[1], rotate, bias, null, null, null, span, block);
    }

    /** {@inheritDoc} */
    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape hidden = new Shape(-1, config.hiddenSize());
        for (LlamaDecoderLayer layer : layers) {
            layer.initialize(manager, dataType, hidden);
        }
        norm.initialize(manager, dataType, hidden);
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        return new Shape[] {new Shape(in.get(0), in.get(1), config.vocabSize())};
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes, DataType[] dataTypes) {
        return getOutputShapes(inputShapes);
    }

    /** Builds a {@link LlamaModel}. */
    public static final class Builder {

        private LlamaConfig config;

        Builder() {}

        /**
         * Sets the architecture (required).
         *
         * @param config the configuration
         * @return this builder
         */
        public Builder setConfig(LlamaConfig config) {
            this.config = config;
            return this;
        }

        /**
         * Builds the (uninitialised) model.
         *
         * @return the model
         */
        public LlamaModel build() {
            if (config == null) {
                throw new IllegalArgumentException("LlamaModel.builder(): setConfig is required");
            }
            return new LlamaModel(this);
        }
    }
}
