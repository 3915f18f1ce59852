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
        if (from >= to) {
            return h;
        }
        int t = (int) h.getShape().get(1);
        int[] ends = new int[starts.length];
        for (int r = 0; r < starts.length; r++) {
            ends[r] = starts[r] + t;
            if (ends[r] > state.capacity()) {
                throw new IllegalStateException(
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
                    tables = ropeTables(m, starts, t);
                    rotate = rope.rotateHalfMatrix(m, dataType());
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
     * @param h hidden states {@code (B, T, D)} from any layer
     * @return logits {@code (B, T, V)}
     */
    public NDArray head(ParameterStore ps, NDArray h) {
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
        int last = exits[exits.length - 1];
        checkExit(last);
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
            exit = ((Number) params.get("exitLayer")).intValue();
        }
        return forwardExits(ps, inputs.head(), new int[] {exit}, training);
    }

    private void checkExit(int exitLayer) {
        if (exitLayer < 1 || exitLayer > layers.size()) {
            throw new IllegalArgumentException(
                    "exit layer must be in [1, " + layers.size() + "], got " + exitLayer);
        }
    }

    private static NDArray lastPosition(NDArray h) {
        long t = h.getShape().get(1);
        return t == 1 ? h : h.get(NDIndex.sliceAxis(1, t - 1, t));
    }

    /** Rotary tables for positions [starts[r], starts[r] + T); batch 1 when rows agree. */
    private NDArray[] ropeTables(NDManager manager, int[] starts, int t) {
        int rows = allEqual(starts) ? 1 : starts.length;
        long[][] positions = new long[rows][t];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < t; j++) {
                positions[r][j] = starts[r] + j;
            }
        }
        return rope.tables(manager, positions, dataType());
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
        boolean same = allEqual(starts);
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
            bias = bias(manager, kind, rows, t, s, ring);
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
        NDArray[] cs = ropeTables(manager, new int[1], t);
        NDArray rotate = rope.rotateHalfMatrix(manager, dataType());
        int block = 0;
        int span = t;
        if (kind.kind() == LayerAttention.Kind.CHUNKED && t > kind.size() && t % kind.size() == 0) {
            block = kind.size();
            span = block;
        }
        NDArray bias = span > 1 ? bias(manager, block > 0 ? LayerAttention.FULL : kind, new int[1], span, span, 0) : null;
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
            NDManager manager, LayerAttention kind, int[] starts, int t, int s, int ring) {
        int b = starts.length;
        int g = config.groupSize();
        int n = b * g * t * s;
        FloatBuffer buf =
                ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
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
        NDArray bias = manager.create(buf, new Shape(b, 1, (long) g * t, s));
        return dataType() == DataType.FLOAT32 ? bias : bias.toType(dataType(), false);
    }

    private static boolean allEqual(int[] a) {
        for (int x : a) {
            if (x != a[0]) {
                return false;
            }
        }
        return true;
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
