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
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import org.layerskip.cache.DecoderState;
import org.layerskip.cache.KvCache;
import org.layerskip.config.LayerAttention;
import org.layerskip.config.LlamaConfig;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Llama-family decoder whose exit head (final RMSNorm + LM head) is shared by every layer, so it can
 * stop after any layer E and decode from there (LayerSkip, Elhoushi et al. 2024, §4.2).
 *
 * <ul>
 *   <li>input: token ids {@code (B, T)} int64
 *   <li>parameter {@code embedding}: {@code (V, D)}; {@code lmHead}: {@code (V, D)} unless tied
 *   <li>children: {@code L} {@link LlamaDecoderLayer}s and the final {@link RmsNorm}
 *   <li>output: logits {@code (B, T, V)}
 * </ul>
 *
 * <p>Entry points: {@link #forward(ParameterStore, NDArray, DecoderState, int, boolean)} runs the first
 * E layers over new tokens with a KV cache; {@link #embed}, {@link #runLayers} and {@link #head} are
 * the pieces self-speculative decoding composes; the DJL {@code forward} runs the whole sequence without
 * a cache (training), with optional parameter {@code "exitLayer"}.
 *
 * <p><b>Thread safety.</b> Once initialised (and, for inference, frozen with {@code
 * freezeParameters(true)}, as {@link org.layerskip.io.HfLlama#load} does), a model holds no
 * per-request mutable state: everything a request mutates lives in its {@link DecoderState}, and the
 * inference entry points only read the parameters. One model can therefore serve any number of
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
        NDArray h = runLayers(ps, embed(ps, ids), state, 0, exitLayer, state.lengths(0));
        return new DecoderOutput(head(ps, lastOnly ? lastPosition(h) : h), h);
    }

    /**
     * Like {@link #forward(ParameterStore, NDArray, DecoderState, int, boolean)} but computes logits
     * only at one position per row (for prompts of different lengths, right-padded in one batch).
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
        notNull(positions, "positions");
        long tokens = ids.getShape().get(1);
        if (positions.length != ids.getShape().get(0)) {
            throw new IllegalArgumentException(
                    "positions has " + positions.length + " entries for " + ids.getShape().get(0) + " rows");
        }
        for (int p : positions) {
            if (p < 0 || p >= tokens) {
                throw new IllegalArgumentException(
                        "position " + p + " outside the " + tokens + " new tokens [0, " + tokens + ")");
            }
        }
        NDArray h = runLayers(ps, embed(ps, ids), state, 0, exitLayer, state.lengths(0));
        long b = h.getShape().get(0);
        long[] rows = new long[(int) b];
        long[] cols = new long[(int) b];
        for (int r = 0; r < b; r++) {
            rows[r] = r;
            cols[r] = positions[r];
        }
        NDManager m = h.getManager();
        NDArray picked = h.get(new NDIndex("{}, {}", m.create(rows), m.create(cols))); // (B, D)
        return new DecoderOutput(head(ps, picked.expandDims(1)), h);
    }

    /**
     * Looks up token embeddings.
     *
     * @param ps the parameter store
     * @param ids {@code (B, T)} int64
     * @return {@code (B, T, D)}
     */
    public NDArray embed(ParameterStore ps, NDArray ids) {
        notNull(ps, "parameter store");
        checkIds(ids);
        NDArray w = ps.getValue(embedding, ids.getDevice(), false);
        return ids.getNDArrayInternal().embedding(ids, w, SparseFormat.DENSE).singletonOrThrow();
    }

    /**
     * Runs layers {@code [from, to)} over hidden states of tokens at slots {@code [start, start + T)}
     * (the same for every row).
     *
     * @param ps the parameter store
     * @param h {@code (B, T, D)}
     * @param state the request state (mutated)
     * @param from first layer
     * @param to layer after the last
     * @param start slot of the first token
     * @return {@code (B, T, D)}
     */
    public NDArray runLayers(
            ParameterStore ps, NDArray h, DecoderState state, int from, int to, int start) {
        notNull(state, "state");
        int[] starts = new int[state.batchSize()];
        java.util.Arrays.fill(starts, start);
        return runLayers(ps, h, state, from, to, starts);
    }

    /**
     * Runs layers {@code [from, to)} over hidden states of tokens at slots {@code [start[r],
     * start[r] + T)} of each row {@code r}, with the KV cache of {@code state}; each layer's fill
     * length of row {@code r} becomes {@code start[r] + T}.
     *
     * @param ps the parameter store
     * @param h {@code (B, T, D)}
     * @param state the request state (mutated)
     * @param from first layer
     * @param to layer after the last
     * @param starts slot of the first token, per row
     * @return {@code (B, T, D)}
     */
    public NDArray runLayers(
            ParameterStore ps, NDArray h, DecoderState state, int from, int to, int[] starts) {
        notNull(ps, "parameter store");
        notNull(state, "state");
        notNull(starts, "starts");
        checkHidden(h);
        if (from < 0 || to > layers.size() || from > to) {
            throw new IllegalArgumentException(
                    "layer range [" + from + ", " + to + ") is not within [0, " + layers.size() + "]");
        }
        if (h.getShape().get(0) != state.batchSize() || starts.length != state.batchSize()) {
            throw new IllegalArgumentException(
                    "batch mismatch: hidden states have "
                            + h.getShape().get(0)
                            + " rows, starts "
                            + starts.length
                            + ", the state "
                            + state.batchSize());
        }
        for (int s : starts) {
            if (s < 0) {
                throw new IllegalArgumentException("start slot must be >= 0, got " + s);
            }
        }
        if (from >= to) {
            return h;
        }
        int t = (int) h.getShape().get(1);
        int[] ends = new int[starts.length];
        for (int r = 0; r < starts.length; r++) {
            ends[r] = starts[r] + t;
            if (ends[r] > state.capacity()) {
                throw new IllegalArgumentException(
                        "request needs "
                                + ends[r]
                                + " cache slots but was allocated "
                                + state.capacity());
            }
        }
        NDManager m = h.getManager();
        Map<String, AttentionContext> contexts = new HashMap<>();
        NDArray[] tables = null;
        NDArray rotate = null;
        for (int l = from; l < to; l++) {
            LayerAttention kind = config.layerAttention().get(l);
            KvCache cache = state.layer(l);
            String key = kind + "/" + cache.isRing() + "/" + cache.capacity();
            AttentionContext ctx = contexts.get(key);
            if (ctx == null) {
                if (tables == null) {
                    tables = ropeTables(m, starts, t, false);
                    rotate = rope.rotateHalfMatrix(m, dataType(), false);
                }
                ctx = cachedContext(m, tables, rotate, kind, cache, starts, t);
                contexts.put(key, ctx);
            }
            h = layers.get(l).forward(ps, h, ctx, cache, false);
            state.setLengths(l, ends);
        }
        return h;
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
        return LlamaAttention.linear(norm.forward(ps, h, false), w);
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
        notNull(ps, "parameter store");
        checkIds(ids);
        if (exits == null || exits.length == 0) {
            throw new IllegalArgumentException("give at least one exit layer");
        }
        for (int i = 0; i < exits.length; i++) {
            checkExit(exits[i]);
            if (i > 0 && exits[i] <= exits[i - 1]) {
                throw new IllegalArgumentException(
                        "exit layers must be strictly ascending, got " + java.util.Arrays.toString(exits));
            }
        }
        int last = exits[exits.length - 1];
        NDArray w = ps.getValue(embedding, ids.getDevice(), training);
        NDArray h = ids.getNDArrayInternal().embedding(ids, w, SparseFormat.DENSE).singletonOrThrow();
        int t = (int) ids.getShape().get(1);
        Map<LayerAttention, AttentionContext> contexts = new HashMap<>();
        NDArray headW = ps.getValue(getLmHead(), ids.getDevice(), training);
        NDList out = new NDList();
        int next = 0;
        for (int l = 0; l < last; l++) {
            LayerAttention kind = config.layerAttention().get(l);
            AttentionContext ctx =
                    contexts.computeIfAbsent(kind, k -> trainingContext(ids.getManager(), t, k));
            h = layers.get(l).forward(ps, h, ctx, null, training);
            if (exits[next] == l + 1) {
                out.add(LlamaAttention.linear(norm.forward(ps, h, training), headW));
                next++;
            }
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
                throw new IllegalArgumentException("parameter exitLayer must be an Integer, got " + e);
            }
            exit = (Integer) e;
        }
        notNull(inputs, "inputs");
        if (inputs.size() != 1) {
            throw new IllegalArgumentException("expected one input (token ids), got " + inputs.size());
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
     * Checks token ids: an int64 (or int32) array of shape {@code (B, T)}, B, T &gt;= 1, every id in
     * {@code [0, V)}. Reads the min and max back, so an out-of-range id never reaches the native
     * embedding lookup (on CUDA that would be a device-side assert that poisons the context).
     */
    private void checkIds(NDArray ids) {
        notNull(ids, "token ids");
        DataType t = ids.getDataType();
        if (t != DataType.INT64 && t != DataType.INT32) {
            throw new IllegalArgumentException("token ids must be an int64 (or int32) array, got " + t);
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
                    "token id " + (min < 0 ? min : max) + " is outside the vocabulary [0, " + v + ")");
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

    /** Rotary tables for positions [starts[r], starts[r] + T); batch 1 when rows agree. */
    private NDArray[] ropeTables(NDManager manager, int[] starts, int t, boolean owned) {
        int rows = DecoderState.allEqual(starts) ? 1 : starts.length;
        long[][] positions = new long[rows][t];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < t; j++) {
                positions[r][j] = starts[r] + j;
            }
        }
        return rope.tables(manager, positions, dataType(), owned);
    }

    /** Context of a cached pass of T tokens at positions [starts[r], starts[r] + T) of one kind. */
    private AttentionContext cachedContext(
            NDManager manager,
            NDArray[] tables,
            NDArray rotate,
            LayerAttention kind,
            KvCache cache,
            int[] starts,
            int t) {
        boolean same = DecoderState.allEqual(starts);
        int[] rows = same ? new int[] {starts[0]} : starts;
        int s;
        if (cache.isRing()) {
            s = cache.capacity();
        } else {
            s = 0;
            for (int x : starts) {
                s = Math.max(s, x + t);
            }
        }
        NDArray bias = null;
        if (cache.isRing() || kind.isLocal() || t > 1 || !same) {
            int ring = cache.isRing() ? cache.capacity() : 0;
            bias = bias(manager, kind, rows, t, s, ring, false);
        }
        return new AttentionContext(tables[0], tables[1], rotate, bias, starts, t, s, 0);
    }

    /**
     * Builds the attention context of a cache-free pass over whole sequences with full attention
     * (training and evaluation): positions {@code 0..T-1}, causal, shared by every row (tables have
     * batch 1 and broadcast), so any subset of rows can use it.
     *
     * @param manager where to create the tables
     * @param t T, the sequence length
     * @return the context
     */
    public AttentionContext trainingContext(NDManager manager, int t) {
        return trainingContext(manager, t, LayerAttention.FULL);
    }

    /**
     * Builds the attention context of a cache-free pass over whole sequences for one attention
     * kind. Chunked attention over a sequence of several whole blocks is computed block by block
     * (dense {@code B x B} work, O(T·B) instead of O(T²)).
     *
     * @param manager where to create the tables
     * @param t T, the sequence length
     * @param kind the layer's attention kind
     * @return the context
     */
    public AttentionContext trainingContext(NDManager manager, int t, LayerAttention kind) {
        // owned copies: autograd keeps these until backward
        NDArray[] cs = ropeTables(manager, new int[1], t, true);
        NDArray rotate = rope.rotateHalfMatrix(manager, dataType(), true);
        int block = 0;
        int span = t;
        if (kind.kind() == LayerAttention.Kind.CHUNKED && t > kind.size() && t % kind.size() == 0) {
            block = kind.size();
            span = block;
        }
        NDArray bias = span > 1 ? bias(manager, block > 0 ? LayerAttention.FULL : kind, new int[1], span, span, 0, true)
                        : null;
        return new AttentionContext(cs[0], cs[1], rotate, bias, new int[1], t, span, block);
    }

    /**
     * Additive bias {@code (rows, 1, G * T, S)}: the query of row {@code r} at position {@code
     * starts[r] + j} sees the key in slot {@code k} iff the slot holds a position {@code p} that
     * {@code kind} makes visible. A linear cache holds position {@code k} in slot {@code k}; a ring
     * of {@code ring} slots holds the latest position {@code p <= end - 1} with {@code p = k (mod
     * ring)}, where {@code end} is the row's fill length after this pass (older positions were
     * overwritten, and rejected ones are never inside a later query's window). Every query sees at
     * least itself.
     */
    private NDArray bias(
            NDManager manager,
            LayerAttention kind,
            int[] starts,
            int t,
            int s,
            int ring,
            boolean owned) {
        int b = starts.length;
        int g = config.groupSize();
        int n = b * g * t * s;
        FloatBuffer buf = OwnedArrays.buffer(n);
        float[] row = new float[s];
        long[] pos = new long[s];
        for (int r = 0; r < b; r++) {
            long last = starts[r] + t - 1L;
            for (int k = 0; k < s; k++) {
                pos[k] = ring > 0 ? last - Math.floorMod(last - k, ring) : k;
            }
            for (int j = 0; j < t; j++) {
                long q = starts[r] + j;
                for (int k = 0; k < s; k++) {
                    row[k] = kind.visible(q, pos[k]) ? 0f : Float.NEGATIVE_INFINITY;
                }
                for (int gi = 0; gi < g; gi++) {
                    buf.position(((r * g + gi) * t + j) * s);
                    buf.put(row);
                }
            }
        }
        buf.rewind();
        NDArray bias = OwnedArrays.floats(manager, buf, new Shape(b, 1, (long) g * t, s), owned);
        return dataType() == DataType.FLOAT32 ? bias : bias.toType(dataType(), false);
    }

    /** {@inheritDoc} */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
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
