package org.layerskip.cache;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The keys and values of one attention layer, preallocated and written by slot (gpt-fast's {@code
 * k_out[:, :, input_pos] = k_val}). Where a position goes is {@link #slot(long)}: {@code slot =
 * pos} in a <b>linear</b> cache (sized for the whole request), {@code slot = pos mod C} in a
 * <b>ring</b> (sliding-window and chunked layers, {@code C = window + S_max} where {@code S_max} is
 * the most tokens one pass writes, so every query's window and every position a rollback returns to
 * are still present). The write itself is one index write inside the layer step, with slot indices
 * computed on the host by {@link PassPlan}; rolling back is free because fill lengths live in
 * {@link DecoderState} and stale slots are hidden by the attention mask.
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

    private KvCache(NDManager manager, Shape shape, DataType dataType, boolean ring) {
        this.keys = manager.zeros(shape, dataType);
        this.values = manager.zeros(shape, dataType);
        this.capacity = (int) shape.get(2);
        this.ring = ring;
        NDScope.unregister(keys, values); // lives as long as the request, not the caller's scope
    }

    /**
     * Allocates an empty linear cache ({@code slot = position}).
     *
     * @param manager the owner of the buffers (closed with the request)
     * @param batch B
     * @param kvHeads K
     * @param capacity C
     * @param headDim Dh
     * @param dataType the model's data type
     * @return the cache
     */
    public static KvCache linear(
            NDManager manager,
            int batch,
            int kvHeads,
            int capacity,
            int headDim,
            DataType dataType) {
        return new KvCache(
                manager,
                shape(batch, kvHeads, capacity, headDim),
                checked(manager, dataType),
                false);
    }

    /**
     * Allocates an empty ring cache ({@code slot = position mod capacity}).
     *
     * @param manager the owner of the buffers (closed with the request)
     * @param batch B
     * @param kvHeads K
     * @param capacity C
     * @param headDim Dh
     * @param dataType the model's data type
     * @return the cache
     */
    public static KvCache ring(
            NDManager manager,
            int batch,
            int kvHeads,
            int capacity,
            int headDim,
            DataType dataType) {
        return new KvCache(
                manager,
                shape(batch, kvHeads, capacity, headDim),
                checked(manager, dataType),
                true);
    }

    private static DataType checked(NDManager manager, DataType dataType) {
        if (manager == null || dataType == null) {
            throw new IllegalArgumentException("manager and dataType must not be null");
        }
        return dataType;
    }

    private static Shape shape(int batch, int kvHeads, int capacity, int headDim) {
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
        return new Shape(batch, kvHeads, capacity, headDim);
    }

    /**
     * Returns the slot that holds a position.
     *
     * @param position an absolute position {@code >= 0}
     * @return {@code position} for a linear cache, {@code position mod C} for a ring
     */
    public int slot(long position) {
        return (int) (ring ? position % capacity : position);
    }

    /**
     * Returns the whole key buffer (written in place by the layer step).
     *
     * @return {@code (B, K, C, Dh)}
     */
    public NDArray keys() {
        return keys;
    }

    /**
     * Returns the whole value buffer (written in place by the layer step).
     *
     * @return {@code (B, K, C, Dh)}
     */
    public NDArray values() {
        return values;
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
