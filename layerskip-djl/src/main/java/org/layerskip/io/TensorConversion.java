package org.layerskip.io;

import java.nio.ByteBuffer;

/**
 * Element-wise conversion between the loadable safetensors types, buffer to buffer. Elements are
 * read and written in each buffer's byte order (little-endian for files); positions advance.
 */
final class TensorConversion {

    private TensorConversion() {}

    /**
     * Converts every element remaining in {@code source} into {@code target}.
     *
     * @param source elements of type {@code from}
     * @param from F32, F16 or BF16
     * @param target receives elements of type {@code to}; must have room for all of them
     * @param to F32 or F16
     */
    static void convert(
            ByteBuffer source, SafetensorsDtype from, ByteBuffer target, SafetensorsDtype to) {
        if (to == SafetensorsDtype.F32) {
            while (source.hasRemaining()) {
                target.putFloat(readFloat(source, from));
            }
        } else if (to == SafetensorsDtype.F16) {
            if (from == SafetensorsDtype.F16) {
                if (source.order() == target.order()) {
                    target.put(source);
                } else {
                    while (source.hasRemaining()) {
                        target.putShort(source.getShort());
                    }
                }
                return;
            }
            while (source.hasRemaining()) {
                target.putShort(FloatFormats.floatToHalf(readFloat(source, from)));
            }
        } else {
            throw new IllegalArgumentException("cannot convert to " + to);
        }
    }

    /**
     * Converts every element remaining in {@code source} into floats.
     *
     * @param source elements of type {@code from}
     * @param from F32, F16 or BF16
     * @param target the destination array
     * @param offset the first index written
     * @return the index after the last one written
     */
    static int toFloats(ByteBuffer source, SafetensorsDtype from, float[] target, int offset) {
        int index = offset;
        if (from == SafetensorsDtype.F32) {
            int count = source.remaining() / Float.BYTES;
            source.asFloatBuffer().get(target, index, count);
            source.position(source.position() + count * Float.BYTES);
            return index + count;
        }
        while (source.hasRemaining()) {
            target[index++] = readFloat(source, from);
        }
        return index;
    }

    /**
     * Writes floats as elements of type {@code to}.
     *
     * @param source the values
     * @param offset the first index read
     * @param count how many values to write
     * @param to F32, F16 or BF16
     * @param target the destination; must have room
     */
    static void fromFloats(
            float[] source, int offset, int count, SafetensorsDtype to, ByteBuffer target) {
        int end = offset + count;
        switch (to) {
            case F32:
                target.asFloatBuffer().put(source, offset, count);
                target.position(target.position() + count * Float.BYTES);
                break;
            case F16:
                for (int i = offset; i < end; i++) {
                    target.putShort(FloatFormats.floatToHalf(source[i]));
                }
                break;
            case BF16:
                for (int i = offset; i < end; i++) {
                    target.putShort(FloatFormats.floatToBf16(source[i]));
                }
                break;
            default:
                throw new IllegalArgumentException("cannot write dtype " + to);
        }
    }

    private static float readFloat(ByteBuffer source, SafetensorsDtype from) {
        switch (from) {
            case F32:
                return source.getFloat();
            case F16:
                return FloatFormats.halfToFloat(source.getShort());
            case BF16:
                return FloatFormats.bf16ToFloat(source.getShort());
            default:
                throw new IllegalArgumentException("cannot convert from " + from);
        }
    }
}
