package org.layerskip.cache;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The exit-layer hidden states of drafted tokens, the "Q" of the paper's KVQ cache (gpt-fast's
 * {@code EarlyExitQCache}): drafting stores the output of layer E for every token it runs, and
 * verification resumes layers {@code E..L-1} from them instead of recomputing layers {@code
 * 0..E-1}. It only ever holds one verification window, so it is a ring of {@code S_max + 1} slots
 * written and read by slot index ({@code slot = position mod capacity}).
 *
 * <ul>
 *   <li>buffer: {@code (B, X, D)}, allocated on first use
 * </ul>
 */
public final class ExitStateCache {

    private final NDManager manager;
    private final int batch;
    private final int capacity;
    private final int hiddenSize;
    private final DataType dataType;
    private NDArray buffer;

    ExitStateCache(NDManager manager, int batch, int capacity, int hiddenSize, DataType dataType) {
        this.manager = manager;
        this.batch = batch;
        this.capacity = capacity;
        this.hiddenSize = hiddenSize;
        this.dataType = dataType;
    }

    /**
     * Returns the slot that holds a position.
     *
     * @param position an absolute position {@code >= 0}
     * @return {@code position mod X}
     */
    public int slot(long position) {
        return (int) (position % capacity);
    }

    /**
     * Returns X, the number of slots.
     *
     * @return the capacity
     */
    public int capacity() {
        return capacity;
    }

    /**
     * Returns the buffer, allocating it (zeros) on first use.
     *
     * @return {@code (B, X, D)}
     */
    public synchronized NDArray buffer() {
        if (buffer == null) {
            buffer = manager.zeros(new Shape(batch, capacity, hiddenSize), dataType);
            NDScope.unregister(buffer);
        }
        return buffer;
    }

    /**
     * Returns the bytes held (0 before first use).
     *
     * @return bytes
     */
    public synchronized long bytes() {
        return buffer == null ? 0 : buffer.getShape().size() * dataType.getNumOfBytes();
    }
}
