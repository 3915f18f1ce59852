package org.layerskip.io;

import java.util.Arrays;

/**
 * A float tensor held on the Java heap, for writing checkpoints without an engine.
 *
 * @param data the values in row-major order (not copied)
 * @param shape the dimensions (copied); their product must equal {@code data.length}
 */
public record TensorData(float[] data, long[] shape) {

    /** Validates that the shape is non-negative and matches the data length. */
    public TensorData {
        if (data == null || shape == null) {
            throw new IllegalArgumentException("data and shape must not be null");
        }
        shape = shape.clone();
        long count = 1;
        for (long dim : shape) {
            if (dim < 0) {
                throw new IllegalArgumentException(
                        "negative dimension in " + Arrays.toString(shape));
            }
            count = Math.multiplyExact(count, dim);
        }
        if (count != data.length) {
            throw new IllegalArgumentException(
                    "shape "
                            + Arrays.toString(shape)
                            + " has "
                            + count
                            + " elements, data has "
                            + data.length);
        }
    }

    /**
     * Creates a tensor from values and dimensions.
     *
     * @param data the values in row-major order (not copied)
     * @param shape the dimensions
     * @return the tensor
     */
    public static TensorData of(float[] data, long... shape) {
        return new TensorData(data, shape);
    }

    /**
     * Returns a copy of the dimensions.
     *
     * @return the shape
     */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** {@inheritDoc} */
    @Override
    public boolean equals(Object other) {
        return other instanceof TensorData that
                && Arrays.equals(data, that.data)
                && Arrays.equals(shape, that.shape);
    }

    /** {@inheritDoc} */
    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(data) + Arrays.hashCode(shape);
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return "TensorData" + Arrays.toString(shape);
    }
}
