package org.layerskip.io;

import ai.djl.ndarray.types.Shape;

import java.util.Arrays;

/**
 * One tensor entry of a safetensors header, already validated.
 *
 * @param name the tensor name, e.g. {@code model.layers.0.self_attn.q_proj.weight}
 * @param dtype the header's dtype string, e.g. {@code "BF16"}
 * @param shape the dimensions (copied; never negative)
 * @param begin first byte of the data, relative to the start of the data section
 * @param end one past the last byte, relative to the start of the data section
 */
public record TensorInfo(String name, String dtype, long[] shape, long begin, long end) {

    /** Copies the shape so the record stays immutable. */
    public TensorInfo {
        shape = shape.clone();
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

    /**
     * Returns the number of elements (1 for a scalar).
     *
     * @return the product of the dimensions
     * @throws ArithmeticException if it overflows a long (never for a validated header)
     */
    public long numel() {
        long count = 1;
        for (long dim : shape) {
            count = Math.multiplyExact(count, dim);
        }
        return count;
    }

    /**
     * Returns the size of the data in bytes, {@code end - begin}.
     *
     * @return the byte length
     */
    public long byteLength() {
        return end - begin;
    }

    /**
     * Returns the element type, or {@code null} if the header's string is unknown (never for a
     * validated header).
     *
     * @return the type
     */
    public SafetensorsDtype type() {
        return SafetensorsDtype.fromHeader(dtype);
    }

    /**
     * Returns the shape as a DJL {@link Shape}.
     *
     * @return the shape
     */
    public Shape djlShape() {
        return new Shape(shape);
    }

    /** {@inheritDoc} */
    @Override
    public boolean equals(Object other) {
        return other instanceof TensorInfo that
                && name.equals(that.name)
                && dtype.equals(that.dtype)
                && Arrays.equals(shape, that.shape)
                && begin == that.begin
                && end == that.end;
    }

    /** {@inheritDoc} */
    @Override
    public int hashCode() {
        return 31 * (31 * name.hashCode() + dtype.hashCode()) + Arrays.hashCode(shape);
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape) + " @[" + begin + ", " + end + ")";
    }
}
