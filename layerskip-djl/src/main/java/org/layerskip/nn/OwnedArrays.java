package org.layerskip.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * Creates float arrays from Java data. On CPU, DJL's PyTorch engine wraps a direct Java buffer
 * without copying it ({@code from_blob}, also through {@code NDArray.set(Buffer)}): the native
 * tensor's memory belongs to the Java buffer and is freed when that buffer is collected. That is
 * fine for arrays used and closed within one pass, but autograd keeps some inputs (rotary tables,
 * masks) alive in the graph until the backward pass, after their Java wrappers may be gone. With
 * {@code owned}, the data is therefore cloned into engine-allocated memory.
 */
final class OwnedArrays {

    private OwnedArrays() {}

    /**
     * Creates a FLOAT32 array from a buffer.
     *
     * @param manager the owner
     * @param data the values, from position 0 (must stay untouched until the array is closed unless
     *     {@code owned})
     * @param shape the shape
     * @param owned whether to clone into engine-owned memory
     * @return the array
     */
    static NDArray floats(NDManager manager, FloatBuffer data, Shape shape, boolean owned) {
        NDArray wrapped = manager.create(data, shape);
        if (!owned) {
            return wrapped;
        }
        NDArray copy = wrapped.duplicate();
        wrapped.close();
        return copy;
    }

    /**
     * Allocates a direct native-order float buffer.
     *
     * @param n number of floats
     * @return the buffer
     */
    static FloatBuffer buffer(int n) {
        return ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }
}
