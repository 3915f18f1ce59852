package org.layerskip.io;

import ai.djl.ndarray.types.DataType;

/**
 * Element types of the safetensors format. All of them can be parsed from a header; only the
 * floating-point {@link #F32}, {@link #F16} and {@link #BF16} can be loaded as weights or written.
 */
public enum SafetensorsDtype {
    /** IEEE 754 double precision. */
    F64(8),
    /** IEEE 754 single precision. */
    F32(4),
    /** IEEE 754 half precision. */
    F16(2),
    /** bfloat16: the upper half of a float32. */
    BF16(2),
    /** Signed 64-bit integer. */
    I64(8),
    /** Signed 32-bit integer. */
    I32(4),
    /** Signed 16-bit integer. */
    I16(2),
    /** Signed 8-bit integer. */
    I8(1),
    /** Unsigned 64-bit integer. */
    U64(8),
    /** Unsigned 32-bit integer. */
    U32(4),
    /** Unsigned 16-bit integer. */
    U16(2),
    /** Unsigned 8-bit integer. */
    U8(1),
    /** Boolean, one byte per element. */
    BOOL(1);

    private final int byteSize;

    SafetensorsDtype(int byteSize) {
        this.byteSize = byteSize;
    }

    /**
     * Returns the size of one element in bytes.
     *
     * @return the element size
     */
    public int byteSize() {
        return byteSize;
    }

    /**
     * Returns whether tensors of this type can be loaded as weights and written: F32, F16, BF16.
     *
     * @return {@code true} for the supported floating-point types
     */
    public boolean isLoadable() {
        return this == F32 || this == F16 || this == BF16;
    }

    /**
     * Returns the type named by a header's {@code dtype} string (case-sensitive, as in the format).
     *
     * @param name the header string, e.g. {@code "BF16"}
     * @return the type, or {@code null} if the name is unknown
     */
    public static SafetensorsDtype fromHeader(String name) {
        for (SafetensorsDtype type : values()) {
            if (type.name().equals(name)) {
                return type;
            }
        }
        return null;
    }

    /**
     * Returns the safetensors type that stores a DJL type without loss, for FLOAT32 and FLOAT16.
     *
     * @param dataType FLOAT32 or FLOAT16
     * @return F32 or F16
     * @throws IllegalArgumentException for any other type
     */
    static SafetensorsDtype fromDataType(DataType dataType) {
        switch (dataType) {
            case FLOAT32:
                return F32;
            case FLOAT16:
                return F16;
            default:
                throw new IllegalArgumentException(
                        "target type must be FLOAT32 or FLOAT16, got " + dataType);
        }
    }
}
