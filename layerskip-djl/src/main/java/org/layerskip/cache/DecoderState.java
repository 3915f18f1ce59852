package org.layerskip.cache;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;

import org.layerskip.config.LayerAttention;
import org.layerskip.config.LlamaConfig;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Everything one generation request mutates: one {@link KvCache} per layer, how many slots of each
 * layer every batch row has filled, and the {@link ExitStateCache} that self-speculative
 * verification resumes from (together the paper's KVQ cache).
 *
 * <p>Slot {@link KvCache#slot(long) slot(p)} of a row holds the token at position {@code p}. Each
 * row has its own fill length, so rows of a batch may accept different numbers of draft tokens;
 * rolling a row back is {@link #truncate(int, int)}: its later slots are simply overwritten by the
 * next pass (the attention mask hides slots that hold no visible position). Layers may be filled to
 * different lengths: while drafting, layers {@code 0..E-1} run ahead of layers {@code E..L-1}. Each
 * pass is planned once by {@link PassPlan}.
 *
 * <p>Not thread-safe: one state per request. Closing it frees all its native memory, including
 * anything an engine {@link #attach attached} to it.
 */
public final class DecoderState implements AutoCloseable {

    private final NDManager manager;
    private final KvCache[] layers;
    private final AttentionGroup[] groups;
    private final int[] groupOf;
    private final int[][] length; // [layer][row]
    private final int capacity;
    private final int batch;
    private final int maxPassTokens;
    private final DataType dataType;
    private final ExitStateCache exitStates;
    private final Deque<AutoCloseable> attached = new ArrayDeque<>();

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
     * {@code window + maxPassTokens} slots when that is smaller than {@code capacity}; the
     * exit-state cache is a ring of {@code maxPassTokens + 1} slots.
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
            throw new IllegalArgumentException(
                    "max tokens per pass must be >= 1, got " + maxPassTokens);
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
        this.maxPassTokens = Math.min(capacity, maxPassTokens);
        this.dataType = dataType;
        int l = config.numLayers();
        this.layers = new KvCache[l];
        this.groupOf = new int[l];
        List<AttentionGroup> found = new ArrayList<>();
        try (NDScope ignored = new NDScope()) {
            for (int i = 0; i < l; i++) {
                LayerAttention a = config.layerAttention().get(i);
                long ringSlots = (long) a.size() + maxPassTokens;
                boolean ring = a.isLocal() && ringSlots < capacity;
                int slots = ring ? (int) ringSlots : capacity;
                int k = config.numKvHeads();
                int dh = config.headDim();
                layers[i] =
                        ring
                                ? KvCache.ring(manager, batch, k, slots, dh, dataType)
                                : KvCache.linear(manager, batch, k, slots, dh, dataType);
                groupOf[i] = groupIndex(found, a, slots, ring);
            }
        }
        this.groups = found.toArray(new AttentionGroup[0]);
        this.length = new int[l][batch];
        this.exitStates =
                new ExitStateCache(
                        manager, batch, this.maxPassTokens + 1, config.hiddenSize(), dataType);
    }

    private static int groupIndex(
            List<AttentionGroup> found, LayerAttention a, int slots, boolean ring) {
        for (AttentionGroup g : found) {
            if (g.attention().equals(a) && g.capacity() == slots && g.ring() == ring) {
                return g.index();
            }
        }
        found.add(new AttentionGroup(found.size(), a, slots, ring));
        return found.size() - 1;
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
     * Returns the attention groups of this request (layers sharing kind and cache layout).
     *
     * @return a copy, indexed by {@link AttentionGroup#index()}
     */
    public AttentionGroup[] groups() {
        return groups.clone();
    }

    /**
     * Returns the attention group of a layer.
     *
     * @param layer index in {@code [0, L)}
     * @return its group
     */
    public AttentionGroup group(int layer) {
        checkLayer(layer);
        return groups[groupOf[layer]];
    }

    /**
     * Returns the exit-state (Q) cache.
     *
     * @return the cache
     */
    public ExitStateCache exitStates() {
        return exitStates;
    }

    /**
     * Returns L, the number of layer caches.
     *
     * @return the number of layers
     */
    public int numLayers() {
        return layers.length;
    }

    /**
     * Returns the most tokens one pass may write ({@code S_max}, what ring caches were sized for).
     *
     * @return tokens per pass
     */
    public int maxPassTokens() {
        return maxPassTokens;
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

    /** Records one fill length (by {@link PassPlan#commit()}). */
    void setLength(int layer, int row, int value) {
        if (value < 0 || value > capacity) {
            throw new IllegalArgumentException(
                    "length " + value + " outside [0, " + capacity + "]");
        }
        length[layer][row] = value;
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
     * Returns the data type of the cached keys and values.
     *
     * @return the dtype
     */
    public DataType dataType() {
        return dataType;
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
     * Ties a resource's lifetime to this state: it is closed (last attached first) when the state
     * is. Engines attach the native handles they keep per request.
     *
     * @param resource what to close with the state
     */
    public synchronized void attach(AutoCloseable resource) {
        if (resource == null) {
            throw new IllegalArgumentException("resource must not be null");
        }
        attached.push(resource);
    }

    /**
     * Returns whether every row starts at the same position (then one write, one table and one mask
     * row serve the whole batch).
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
        RuntimeException failure = null;
        synchronized (this) {
            while (!attached.isEmpty()) {
                try {
                    attached.pop().close();
                } catch (Exception e) {
                    if (failure == null) {
                        failure = new IllegalStateException("closing a request resource failed", e);
                    }
                }
            }
        }
        manager.close();
        if (failure != null) {
            throw failure;
        }
    }
}
