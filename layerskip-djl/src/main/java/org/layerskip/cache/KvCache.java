package org.layerskip.cache;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The keys and values of one attention layer, preallocated for {@code C} positions and written by
 * slot, so rolling back rejected tokens is free: the next write overwrites them and readers only see
 * the first {@code length} slots (the length is owned by {@link DecoderState}).
 *
 * <ul>
 *   <li>keys, values: {@code (B, K, C, Dh)}
 * </ul>
 */
public final class KvCache {

    private final NDArray keys;
    private final NDArray values;
    private final int capacity;

    /**
     * Allocates an empty cache.
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
    }

    /**
     * Writes the keys and values of a pass: row {@code r}'s tokens go to slots {@code [start[r],
     * start[r] + T)}. One native write when all rows start at the same slot, else one per row.
     *
     * @param k new keys {@code (B, K, T, Dh)}
     * @param v new values {@code (B, K, T, Dh)}
     * @param start first slot per row
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
        long t = ks.get(2);
        boolean same = true;
        for (int s : start) {
            if (s < 0 || s + t > capacity) {
                throw new IllegalStateException(
                        "KV cache overflow: writing slots ["
                                + s
                                + ", "
                                + (s + t)
                                + ") into a cache of "
                                + capacity);
            }
            same &= s == start[0];
        }
        if (same) {
            NDIndex index = NDIndex.sliceAxis(2, start[0], start[0] + t);
            keys.set(index, k);
            values.set(index, v);
            return;
        }
        for (int r = 0; r < start.length; r++) {
            NDIndex index =
                    new NDIndex().addIndices(r).addAllDim().addSliceDim(start[r], start[r] + t);
            keys.set(index, k.get(r));
            values.set(index, v.get(r));
        }
    }

    /**
     * Returns the keys of the first {@code length} slots.
     *
     * @param length S
     * @return a view {@code (B, K, S, Dh)}
     */
    public NDArray keys(int length) {
        checkLength(length);
        return length == capacity ? keys : keys.get(NDIndex.sliceAxis(2, 0, length));
    }

    /**
     * Returns the values of the first {@code length} slots.
     *
     * @param length S
     * @return a view {@code (B, K, S, Dh)}
     */
    public NDArray values(int length) {
        checkLength(length);
        return length == capacity ? values : values.get(NDIndex.sliceAxis(2, 0, length));
    }

    private void checkLength(int length) {
        if (length < 0 || length > capacity) {
            throw new IllegalArgumentException(
                    "length " + length + " outside [0, " + capacity + "]");
        }
    }

    /** Keeps the buffers alive past the {@link ai.djl.ndarray.NDScope} they were created in. */
    void detachFromScope() {
        ai.djl.ndarray.NDScope.unregister(keys, values);
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
     * Returns the bytes held by this cache.
     *
     * @return keys and values bytes
     */
    public long bytes() {
        return 2 * keys.getShape().size() * keys.getDataType().getNumOfBytes();
    }
}
