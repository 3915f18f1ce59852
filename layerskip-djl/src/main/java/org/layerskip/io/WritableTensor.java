package org.layerskip.io;

import ai.djl.ndarray.NDArray;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A tensor queued for writing: its shape is known up front (for the header), its values are fetched
 * only when its bytes are written, so a writer holds one tensor's floats at a time.
 *
 * @param name the tensor name
 * @param shape the dimensions
 * @param values supplies the values in row-major order
 */
record WritableTensor(String name, long[] shape, Values values) {

    /** Supplies a tensor's values on demand. */
    interface Values {

        /**
         * Returns the values.
         *
         * @return the values in row-major order
         */
        float[] get();
    }

    /**
     * Returns the number of elements.
     *
     * @return the product of the dimensions
     */
    long numel() {
        long count = 1;
        for (long dim : shape) {
            count = Math.multiplyExact(count, dim);
        }
        return count;
    }

    /**
     * Wraps heap tensors.
     *
     * @param tensors the tensors, in write order
     * @return the queue
     */
    static List<WritableTensor> fromData(Map<String, TensorData> tensors) {
        List<WritableTensor> list = new ArrayList<>(tensors.size());
        for (Map.Entry<String, TensorData> entry : tensors.entrySet()) {
            TensorData data = entry.getValue();
            list.add(new WritableTensor(entry.getKey(), data.shape(), data::data));
        }
        return list;
    }

    /**
     * Wraps NDArrays; each is read back as floats only when written.
     *
     * @param tensors the arrays, in write order
     * @return the queue
     */
    static List<WritableTensor> fromArrays(Map<String, NDArray> tensors) {
        List<WritableTensor> list = new ArrayList<>(tensors.size());
        for (Map.Entry<String, NDArray> entry : tensors.entrySet()) {
            NDArray array = entry.getValue();
            list.add(
                    new WritableTensor(
                            entry.getKey(), array.getShape().getShape(), () -> floatsOf(array)));
        }
        return list;
    }

    /**
     * Reads an array's values as floats; 16-bit types are widened in Java, not by the engine.
     *
     * @param array a FLOAT32, FLOAT16, BFLOAT16 or FLOAT64 array
     * @return the values
     * @throws IllegalArgumentException for other types
     */
    static float[] floatsOf(NDArray array) {
        switch (array.getDataType()) {
            case FLOAT32:
                return array.toFloatArray();
            case FLOAT16:
                return widen(array, SafetensorsDtype.F16);
            case BFLOAT16:
                return widen(array, SafetensorsDtype.BF16);
            case FLOAT64:
                {
                    double[] doubles = array.toDoubleArray();
                    float[] values = new float[doubles.length];
                    for (int i = 0; i < doubles.length; i++) {
                        values[i] = (float) doubles[i];
                    }
                    return values;
                }
            default:
                throw new IllegalArgumentException(
                        "cannot write "
                                + array.getDataType()
                                + " array '"
                                + array.getName()
                                + "' as float weights");
        }
    }

    private static float[] widen(NDArray array, SafetensorsDtype type) {
        // The engine returns native-order bytes; conversion reads through the buffer's order.
        ByteBuffer bytes = array.toByteBuffer().order(ByteOrder.nativeOrder());
        float[] values = new float[bytes.remaining() / 2];
        TensorConversion.toFloats(bytes, type, values, 0);
        return values;
    }
}
