package org.layerskip.spark;

import ai.djl.ndarray.types.DataType;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;

/**
 * Which model an executor loads: the model as given (a folder every executor can read, a name
 * shipped with {@code --archives}/{@code SparkFiles}, or a zoo id such as {@code tiny-layerskip})
 * and the weight precision. Executors keep one loaded model per key.
 *
 * @param model the model folder, SparkFiles name or zoo id
 * @param dtype {@code float32} or {@code float16}
 */
public record ModelKey(String model, String dtype) implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The precisions a model can be loaded in. */
    public static final List<String> DTYPES = List.of("float32", "float16");

    /**
     * Validates the key.
     *
     * @throws IllegalArgumentException for a blank model or an unknown dtype
     */
    public ModelKey {
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException(
                    "model must be a folder, a SparkFiles name or a zoo id");
        }
        if (dtype == null || !DTYPES.contains(dtype.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("dtype must be float32 or float16, got " + dtype);
        }
        dtype = dtype.toLowerCase(Locale.ROOT);
    }

    /**
     * Returns the DJL data type.
     *
     * @return FLOAT32 or FLOAT16
     */
    public DataType dataType() {
        return "float16".equals(dtype) ? DataType.FLOAT16 : DataType.FLOAT32;
    }
}
