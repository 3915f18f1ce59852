package org.layerskip.cache;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.layerskip.config.LayerAttention;
import org.layerskip.config.LlamaConfig;

/**
 * Everything one generation request mutates: one {@link KvCache} per layer, how many slots of each
 * layer every batch row has filled, and the exit-layer hidden states that self-speculative
 * verification resumes from (the "Q" of the paper's KVQ cache).
 *
 * <p>Slot {@code s} of a row holds the token at position {@code s}. Each row has its own fill
 * length, so rows of a batch may accept different numbers of draft tokens; rolling a row back is
 * {@link #truncate(int, int)}: its later slots are simply overwritten by the next pass (attention is
 * causal on slots, so stale slots are never read). Layers may be filled to different lengths: while
 * drafting, layers {@code 0..E-1} run ahead of layers {@code E..L-1}.
 *
 * <p>Not thread-safe: one state per request. Closing it frees all its native memory.
 */
public final class DecoderState implements AutoCloseable {

    private final NDManager manager;
    private final KvCache[] layers;
    private final int[][] length; // [layer][row]
    private final int capacity;
    private final int batch;
    private final int hiddenSize;
    private final DataType dataType;
    private final int exitCapacity;
    private NDArray exitHidden; // (B, exitCapacity, D) ring, allocated on first use

    /**
     * Allocates the state of one request with linear caches only.
     *
     * @param parent the manager to allocate under (a sub-manager is created and owned)
     * @param config the model configuration
     * @param batch B
     * @param capacity C, the most positions (prompt + generated + speculative look-ahead) per row
     * @param dataType the model's data type
     */
    public DecoderState(
            NDManager parent, LlamaConfig config, int batch, int capacity, DataType dataType) {
        this(parent, config, batch, capacity, capacity, dataType);
    }

    /**
     * Allocates the state of one request. Sliding-window and chunked layers get ring caches of
     * {@code window + maxPassTokens} slots when that is smaller than {@code capacity}; the exit-state
     * cache is a ring of {@code maxPassTokens + 1} slots.
     *
     * @param parent the manager to allocate under (a sub-manager is created and owned)
     * @param config the model configuration
     * @param batch B
     * @param capacity the most positions (prompt + generated + look-ahead) per row
     * @param maxPassTokens S_max, the most tokens any single pass will write
     * @param dataType the model's data type
     */
    public DecoderState(
            NDManager parent,
            LlamaConfig config,
            int batch,
            int capacity,
            int maxPassTokens,
            DataType dataType) {
        if (parent == null || config == null || dataType == null) {
            throw new IllegalArgumentException("manager, config and dataType must not be null");
        }
        if (batch < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batch);
        }
        if (capacity < 1) {
            throw new IllegalArgumentException("cache capacity must be >= 1, got " + capacity);
        }
        if (maxPassTokens < 1) {
            throw new IllegalArgumentException("max tokens per pass must be >= 1, got " + maxPassTokens);
        }
        long perLayer = (long) batch * capacity * config.numKvHeads() * config.headDim();
        if (perLayer > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "a KV cache of batch "
                            + batch
                            + " x capacity "
                            + capacity
                            + " is too large ("
                            + perLayer
                            + " elements per layer)");
        }
        this.manager = parent.newSubManager();
        this.batch = batch;
        this.capacity = capacity;
        this.hiddenSize = config.hiddenSize();
        this.dataType = dataType;
        this.exitCapacity = Math.min(capacity, maxPassTokens) + 1;
        this.layers = new KvCache[config.numLayers()];
        try (NDScope ignored = new NDScope()) {
            for (int i = 0; i < layers.length; i++) {
                LayerAttention a = config.layerAttention().get(i);
                long ringSlots = (long) a.size() + maxPassTokens;
                boolean ring = a.isLocal() && ringSlots < capacity;
                layers[i] =
                        new KvCache(
                                manager,
                                batch,
                                config.numKvHeads(),
                                ring ? (int) ringSlots : capacity,
                                config.headDim(),
                                dataType,
                                ring);
                layers[i].detachFromScope();
            }
        }
        this.length = new int[layers.length][batch];
    }

    /**
     * Returns the manager that owns this state's arrays.
     *
     * @return the manager
     */
    public NDManager getManager() {
        return manager;
    }

    /**
     * Returns the cache of one layer.
     *
     * @param layer index in {@code [0, L)}
     * @return the cache
     */
    public KvCache layer(int layer) {
        checkLayer(layer);
        return layers[layer];
    }

    /**
     * Returns L, the number of layer caches.
     *
     * @return the number of layers
     */
    public int numLayers() {
        return layers.length;
    }

    private void checkLayer(int layer) {
        if (layer < 0 || layer >= layers.length) {
            throw new IllegalArgumentException(
                    "layer " + layer + " outside [0, " + layers.length + ")");
        }
    }

    private void checkRow(int row) {
        if (row < 0 || row >= batch) {
            throw new IllegalArgumentException("row " + row + " outside [0, " + batch + ")");
        }
    }

    /**
     * Returns how many slots of a layer each row has filled.
     *
     * @param layer index
     * @return a copy, one length per row
     */
    public int[] lengths(int layer) {
        checkLayer(layer);
        return length[layer].clone();
    }

    /**
     * Returns how many slots of a layer a row has filled.
     *
     * @param layer index
     * @param row batch row
     * @return the filled length
     */
    public int length(int layer, int row) {
        checkLayer(layer);
        checkRow(row);
        return length[layer][row];
    }

    /**
     * Records the fill length of every row of a layer; mutates this state.
     *
     * @param layer index
     * @param lengths one length per row, each in {@code [0, C]}
     */
    public void setLengths(int layer, int[] lengths) {
        checkLayer(layer);
        if (lengths == null || lengths.length != batch) {
            throw new IllegalArgumentException(
                    "need one length per row (" + batch + "), got "
                            + (lengths == null ? "null" : lengths.length));
        }
        for (int r = 0; r < batch; r++) {
            if (lengths[r] < 0 || lengths[r] > capacity) {
                throw new IllegalArgumentException(
                        "length " + lengths[r] + " outside [0, " + capacity + "]");
            }
            length[layer][r] = lengths[r];
        }
    }

    /**
     * Rolls one row of every layer back to at most {@code keep} slots (rejected speculative tokens
     * are forgotten); mutates this state.
     *
     * @param row batch row
     * @param keep slots to keep
     */
    public void truncate(int row, int keep) {
        checkRow(row);
        if (keep < 0) {
            throw new IllegalArgumentException("slots to keep must be >= 0, got " + keep);
        }
        for (int[] l : length) {
            l[row] = Math.min(l[row], keep);
        }
    }

    /**
     * Rolls every row back to at most {@code keep} slots; mutates this state.
     *
     * @param keep slots to keep
     */
    public void truncate(int keep) {
        for (int r = 0; r < batch; r++) {
            truncate(r, keep);
        }
    }

    /**
     * Returns B.
     *
     * @return the batch size
     */
    public int batchSize() {
        return batch;
    }

    /**
     * Returns C.
     *
     * @return slots per row
     */
    public int capacity() {
        return capacity;
    }

    /**
     * Stores exit-layer hidden states of the tokens at positions {@code [start[r], start[r] + T)}
     * that the upper layers have not processed yet; mutates this state. The store is a ring of
     * {@code maxPassTokens + 1} slots: it only ever holds one verification window.
     *
     * @param hidden {@code (B, T, D)}
     * @param start first position per row
     */
    public void putExitHidden(NDArray hidden, int[] start) {
        if (hidden == null || start == null || start.length != batch) {
            throw new IllegalArgumentException("need hidden states and one start slot per row");
        }
        Shape hs = hidden.getShape();
        if (hs.dimension() != 3 || hs.get(0) != batch || hs.get(2) != hiddenSize) {
            throw new IllegalArgumentException(
                    "hidden states must have shape (" + batch + ", T, " + hiddenSize + "), got " + hs);
        }
        int t = (int) hidden.getShape().get(1);
        if (exitHidden == null) {
            exitHidden = manager.zeros(new Shape(batch, exitCapacity, hiddenSize), dataType);
            NDScope.unregister(exitHidden); // lives as long as the state, not the caller's scope
        }
        if (t > exitCapacity) {
            throw new IllegalStateException(
                    "storing " + t + " exit states in a store of " + exitCapacity);
        }
        for (int x : start) {
            if (x < 0) {
                throw new IllegalArgumentException("negative position " + x);
            }
        }
        if (allEqual(start)) {
            writeExit(-1, hidden, start[0], t);
            return;
        }
        for (int r = 0; r < batch; r++) {
            writeExit(r, hidden.get(new NDIndex().addSliceDim(r, r + 1)), start[r], t);
        }
    }

    private void writeExit(int row, NDArray h, int start, int t) {
        int slot = start % exitCapacity;
        int first = Math.min(t, exitCapacity - slot);
        if (first == t) {
            exitHidden.set(exitIndex(row, slot, slot + t), h);
            return;
        }
        NDList parts = h.split(new long[] {first}, 1);
        exitHidden.set(exitIndex(row, slot, exitCapacity), parts.get(0));
        exitHidden.set(exitIndex(row, 0, t - first), parts.get(1));
    }

    /**
     * Returns the stored exit-layer hidden states of positions {@code [start[r], start[r] + t)}.
     *
     * @param start first position per row
     * @param t number of positions
     * @return {@code (B, t, D)}
     */
    public NDArray exitHidden(int[] start, int t) {
        if (exitHidden == null) {
            throw new IllegalStateException("no exit-layer states were stored");
        }
        if (start == null || start.length != batch) {
            throw new IllegalArgumentException("need one start slot per row (" + batch + ")");
        }
        for (int s : start) {
            if (t < 0 || s < 0 || t > exitCapacity) {
                throw new IllegalArgumentException(
                        "slots [" + s + ", " + ((long) s + t) + ") do not fit the exit-state store of " + exitCapacity);
            }
        }
        if (allEqual(start)) {
            return readExit(-1, start[0], t);
        }
        NDList rows = new NDList(batch);
        for (int r = 0; r < batch; r++) {
            rows.add(readExit(r, start[r], t));
        }
        return NDArrays.concat(rows, 0);
    }

    private NDArray readExit(int row, int start, int t) {
        int slot = start % exitCapacity;
        int first = Math.min(t, exitCapacity - slot);
        NDArray a = exitHidden.get(exitIndex(row, slot, slot + first));
        if (first == t) {
            return a;
        }
        return a.concat(exitHidden.get(exitIndex(row, 0, t - first)), 1);
    }

    /** Index of slots [from, to) of one row (kept as a batch axis of 1) or of all rows. */
    private static NDIndex exitIndex(int row, int from, int to) {
        if (row < 0) {
            return NDIndex.sliceAxis(1, from, to);
        }
        return new NDIndex().addSliceDim(row, row + 1).addSliceDim(from, to);
    }

    /**
     * Returns the native bytes held by the KV caches.
     *
     * @return bytes
     */
    public long kvBytes() {
        long sum = 0;
        for (KvCache c : layers) {
            sum += c.bytes();
        }
        return sum;
    }

    /**
     * Returns whether every row starts at the same position (then one write, one table and one
     * mask row serve the whole batch).
     *
     * @param a per-row values
     * @return true if all equal
     */
    public static boolean allEqual(int[] a) {
        for (int x : a) {
            if (x != a[0]) {
                return false;
            }
        }
        return true;
    }

    /** Frees all native memory of this state. */
    @Override
    public void close() {
        manager.close();
    }
}
