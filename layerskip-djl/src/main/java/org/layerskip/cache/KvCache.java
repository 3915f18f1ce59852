package org.layerskip.cache;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The keys and values of one attention layer, preallocated and written by slot, so rolling back
 * rejected tokens is free: the next write overwrites them, and the attention bias hides slots that
 * hold no visible position (fill lengths are owned by {@link DecoderState}).
 *
 * <p>A <b>linear</b> cache stores position {@code p} at slot {@code p}; it is sized for the whole
 * request. A <b>ring</b> cache (for sliding-window and chunked layers) stores position {@code p} at
 * slot {@code p mod C} with {@code C = window + S_max}, where {@code S_max} is the most tokens one
 * pass writes: the window of every query of a pass and every position a rollback can return to are
 * then still present, and memory stays flat however long the text grows.
 *
 * <ul>
 *   <li>keys, values: {@code (B, K, C, Dh)}
 * </ul>
 */
public final class KvCache {

    private final NDArray keys;
    private final NDArray values;
    private final int capacity;
    private final boolean ring;

    /**
     * Allocates an empty linear cache.
     *
     * @param manager the owner of the buffers (closed with the request)
     * @param batch B
     * @param kvHeads K
     * @param capacity C
     * @param headDim Dh
     * @param dataType the model's data type
     */
    public KvCache(
            NDManager manager, int batch, int kvHeads, int capacity, int headDim, DataType dataType) {
        this(manager, batch, kvHeads, capacity, headDim, dataType, false);
    }

    /**
     * Allocates an empty cache.
     *
     * @param manager the owner of the buffers (closed with the request)
     * @param batch B
     * @param kvHeads K
     * @param capacity C
     * @param headDim Dh
     * @param dataType the model's data type
     * @param ring whether positions wrap around ({@code slot = position mod C})
     */
    public KvCache(
            NDManager manager,
            int batch,
            int kvHeads,
            int capacity,
            int headDim,
            DataType dataType,
            boolean ring) {
        if (manager == null || dataType == null) {
            throw new IllegalArgumentException("manager and dataType must not be null");
        }
        if (batch < 1 || kvHeads < 1 || capacity < 1 || headDim < 1) {
            throw new IllegalArgumentException(
                    "KV cache dimensions must be >= 1, got batch "
                            + batch
                            + ", kvHeads "
                            + kvHeads
                            + ", capacity "
                            + capacity
                            + ", headDim "
                            + headDim);
        }
        Shape shape = new Shape(batch, kvHeads, capacity, headDim);
        this.keys = manager.zeros(shape, dataType);
        this.values = manager.zeros(shape, dataType);
        this.capacity = capacity;
        this.ring = ring;
    }

    /**
     * Writes the keys and values of a pass: row {@code r}'s tokens are positions {@code [start[r],
     * start[r] + T)}. One native write per buffer when all rows start together and no ring wraps.
     *
     * @param k new keys {@code (B, K, T, Dh)}
     * @param v new values {@code (B, K, T, Dh)}
     * @param start first position per row
     */
    public void write(NDArray k, NDArray v, int[] start) {
        if (k == null || v == null || start == null) {
            throw new IllegalArgumentException("keys, values and start must not be null");
        }
        Shape full = keys.getShape();
        Shape ks = k.getShape();
        if (ks.dimension() != 4
                || ks.get(0) != full.get(0)
                || ks.get(1) != full.get(1)
                || ks.get(3) != full.get(3)
                || !ks.equals(v.getShape())) {
            throw new IllegalArgumentException(
                    "keys and values must both have shape ("
                            + full.get(0)
                            + ", "
                            + full.get(1)
                            + ", T, "
                            + full.get(3)
                            + "), got "
                            + ks
                            + " and "
                            + v.getShape());
        }
        if (start.length != full.get(0)) {
            throw new IllegalArgumentException(
                    "need one start slot per row (" + full.get(0) + "), got " + start.length);
        }
        int t = (int) ks.get(2);
        boolean same = true;
        for (int s : start) {
            if (s < 0 || (!ring && s + t > capacity) || (ring && t > capacity)) {
                throw new IllegalStateException(
                        "KV cache overflow: writing positions ["
                                + s
                                + ", "
                                + (s + t)
                                + ") into a "
                                + (ring ? "ring " : "")
                                + "cache of "
                                + capacity);
            }
            same &= s == start[0];
        }
        if (same) {
            writeRows(keys, values, k, v, -1, start[0], t);
            return;
        }
        for (int r = 0; r < start.length; r++) {
            writeRows(keys, values, k.get(r), v.get(r), r, start[r], t);
        }
    }

    /** Writes T positions from {@code start} (all rows when {@code row < 0}), wrapping in a ring. */
    private void writeRows(
            NDArray keyBuf, NDArray valueBuf, NDArray k, NDArray v, int row, int start, int t) {
        int slot = ring ? start % capacity : start;
        int first = Math.min(t, capacity - slot);
        int axis = row < 0 ? 2 : 1; // the slot axis of k/v
        if (first == t) {
            keyBuf.set(index(row, slot, slot + t), k);
            valueBuf.set(index(row, slot, slot + t), v);
            return;
        }
        NDList ks = k.split(new long[] {first}, axis);
        NDList vs = v.split(new long[] {first}, axis);
        keyBuf.set(index(row, slot, capacity), ks.get(0));
        valueBuf.set(index(row, slot, capacity), vs.get(0));
        keyBuf.set(index(row, 0, t - first), ks.get(1));
        valueBuf.set(index(row, 0, t - first), vs.get(1));
    }

    private static NDIndex index(int row, int from, int to) {
        if (row < 0) {
            return NDIndex.sliceAxis(2, from, to);
        }
        return new NDIndex().addIndices(row).addAllDim().addSliceDim(from, to);
    }

    /**
     * Returns the keys to attend over: the first {@code length} slots of a linear cache, or the
     * whole ring.
     *
     * @param length S for a linear cache (ignored for a ring)
     * @return a view {@code (B, K, S, Dh)}
     */
    public NDArray keys(int length) {
        if (!ring) {
            checkLength(length);
        }
        return ring || length == capacity ? keys : keys.get(NDIndex.sliceAxis(2, 0, length));
    }

    /**
     * Returns the values to attend over (see {@link #keys}).
     *
     * @param length S for a linear cache (ignored for a ring)
     * @return a view {@code (B, K, S, Dh)}
     */
    public NDArray values(int length) {
        if (!ring) {
            checkLength(length);
        }
        return ring || length == capacity ? values : values.get(NDIndex.sliceAxis(2, 0, length));
    }

    private void checkLength(int length) {
        if (length < 0 || length > capacity) {
            throw new IllegalArgumentException(
                    "length " + length + " outside [0, " + capacity + "]");
        }
    }

    /** Keeps the buffers alive past the {@link NDScope} they were created in. */
    void detachFromScope() {
        NDScope.unregister(keys, values);
    }

    /**
     * Returns C.
     *
     * @return the number of slots
     */
    public int capacity() {
        return capacity;
    }

    /**
     * Returns whether positions wrap around.
     *
     * @return true for a ring cache
     */
    public boolean isRing() {
        return ring;
    }

    /**
     * Returns the bytes held by this cache.
     *
     * @return keys and values bytes
     */
    public long bytes() {
        return 2 * keys.getShape().size() * keys.getDataType().getNumOfBytes();
    }
}
