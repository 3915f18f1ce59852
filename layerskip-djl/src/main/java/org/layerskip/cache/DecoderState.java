package org.layerskip.cache;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.layerskip.config.LlamaConfig;

import java.util.Arrays;

/**
 * Everything one generation request mutates: one {@link KvCache} per layer, how many slots each layer
 * has filled, the left padding of each batch row, and the exit-layer hidden states that
 * self-speculative verification resumes from (the "Q" of the paper's KVQ cache).
 *
 * <p>Slots are shared by all rows; row {@code r}'s token at slot {@code s} has position {@code s -
 * padding[r]}, and slots below {@code padding[r]} are masked. Layers may be filled to different
 * lengths: while drafting, layers {@code 0..E-1} run ahead of layers {@code E..L-1}.
 *
 * <p>Not thread-safe: one state per request. Closing it frees all its native memory.
 */
public final class DecoderState implements AutoCloseable {

    private final NDManager manager;
    private final KvCache[] layers;
    private final int[] layerLength;
    private final int[] padding;
    private final int capacity;
    private final int batch;
    private final int hiddenSize;
    private final DataType dataType;
    private NDArray exitHidden; // (B, C, D), allocated on first use
    private int exitHiddenStart;
    private int exitHiddenEnd;

    /**
     * Allocates the state of one request.
     *
     * @param parent the manager to allocate under (a sub-manager is created and owned)
     * @param config the model configuration
     * @param batch B
     * @param capacity C, the most tokens (prompt + generated + speculative look-ahead) per row
     * @param dataType the model's data type
     */
    public DecoderState(
            NDManager parent, LlamaConfig config, int batch, int capacity, DataType dataType) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batch);
        }
        if (capacity < 1) {
            throw new IllegalArgumentException("cache capacity must be >= 1, got " + capacity);
        }
        this.manager = parent.newSubManager();
        this.batch = batch;
        this.capacity = capacity;
        this.hiddenSize = config.hiddenSize();
        this.dataType = dataType;
        this.layers = new KvCache[config.numLayers()];
        for (int i = 0; i < layers.length; i++) {
            layers[i] =
                    new KvCache(
                            manager,
                            batch,
                            config.numKvHeads(),
                            capacity,
                            config.headDim(),
                            dataType);
        }
        this.layerLength = new int[layers.length];
        this.padding = new int[batch];
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
        return layers[layer];
    }

    /**
     * Returns how many slots of a layer are filled.
     *
     * @param layer index
     * @return the filled length
     */
    public int length(int layer) {
        return layerLength[layer];
    }

    /**
     * Records that a layer has filled slots up to {@code length}; mutates this state.
     *
     * @param layer index
     * @param length the new filled length
     */
    public void setLength(int layer, int length) {
        if (length < 0 || length > capacity) {
            throw new IllegalArgumentException("length " + length + " outside [0, " + capacity + "]");
        }
        layerLength[layer] = length;
    }

    /**
     * Rolls every layer back to at most {@code length} slots (rejected speculative tokens are
     * forgotten); mutates this state.
     *
     * @param length slots to keep
     */
    public void truncate(int length) {
        for (int i = 0; i < layerLength.length; i++) {
            layerLength[i] = Math.min(layerLength[i], length);
        }
        exitHiddenEnd = Math.min(exitHiddenEnd, length);
        exitHiddenStart = Math.min(exitHiddenStart, exitHiddenEnd);
    }

    /**
     * Sets the left padding of each row (for batches of prompts with different lengths).
     *
     * @param pad leading pad slots per row
     */
    public void setPadding(int[] pad) {
        if (pad.length != batch) {
            throw new IllegalArgumentException("padding must have one entry per row");
        }
        System.arraycopy(pad, 0, padding, 0, batch);
    }

    /**
     * Returns the left padding of each row.
     *
     * @return a copy
     */
    public int[] padding() {
        return padding.clone();
    }

    /**
     * Returns whether any row is padded.
     *
     * @return true if a mask is needed for padding
     */
    public boolean hasPadding() {
        return Arrays.stream(padding).anyMatch(p -> p > 0);
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
     * Stores exit-layer hidden states of slots {@code [start, start + T)} that the upper layers have
     * not processed yet; mutates this state.
     *
     * @param hidden {@code (B, T, D)}
     * @param start first slot
     */
    public void putExitHidden(NDArray hidden, int start) {
        int t = (int) hidden.getShape().get(1);
        if (exitHidden == null) {
            exitHidden = manager.zeros(new Shape(batch, capacity, hiddenSize), dataType);
            NDScope.unregister(exitHidden); // lives as long as the state, not the caller's scope
        }
        if (start + t > capacity) {
            throw new IllegalStateException("exit-state cache overflow at slot " + (start + t));
        }
        exitHidden.set(new NDIndex(":, {}:{}", start, start + t), hidden);
        if (exitHiddenEnd <= exitHiddenStart || start > exitHiddenEnd || start < exitHiddenStart) {
            exitHiddenStart = start;
        }
        exitHiddenEnd = start + t;
    }

    /**
     * Returns the stored exit-layer hidden states of slots {@code [start, end)}.
     *
     * @param start first slot
     * @param end slot after the last
     * @return a view {@code (B, end - start, D)}
     */
    public NDArray exitHidden(int start, int end) {
        if (exitHidden == null || start < exitHiddenStart || end > exitHiddenEnd || start > end) {
            throw new IllegalStateException(
                    "exit-state cache holds slots ["
                            + exitHiddenStart
                            + ", "
                            + exitHiddenEnd
                            + "), asked for ["
                            + start
                            + ", "
                            + end
                            + ")");
        }
        return exitHidden.get(new NDIndex(":, {}:{}", start, end));
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

    /** Frees all native memory of this state. */
    @Override
    public void close() {
        manager.close();
    }
}
