package org.layerskip.io;

import java.nio.ByteBuffer;

/**
 * Converts one chunk of tensor elements at a time between the loadable safetensors types, fast
 * enough to load a billion-parameter BF16 checkpoint in seconds: the source chunk is copied in bulk
 * into reusable primitive arrays, converted there, and written in bulk. The results are
 * bit-identical to {@link TensorConversion} (the 16-bit conversions are lookup tables built from
 * {@link FloatFormats}, so every one of the 65,536 inputs maps exactly as the element-wise code
 * maps it). Written by hand because Java 17 has no half-precision conversions and DJL's PyTorch
 * engine cannot hold BF16 (it aborts the JVM).
 *
 * <p>Not thread-safe: each instance owns its scratch arrays.
 */
final class ChunkConverter {

    /** BF16 bits to F16 bits, all 65,536 inputs (round to nearest even, as floatToHalf does). */
    private static final short[] BF16_TO_F16 = new short[1 << 16];

    /** F16 bits to F32 bits, all 65,536 inputs (exact). */
    private static final int[] F16_TO_F32 = new int[1 << 16];

    static {
        for (int bits = 0; bits < (1 << 16); bits++) {
            BF16_TO_F16[bits] = FloatFormats.floatToHalf(FloatFormats.bf16ToFloat((short) bits));
            F16_TO_F32[bits] = Float.floatToRawIntBits(FloatFormats.halfToFloat((short) bits));
        }
    }

    private final int maxElements;
    private final short[] shorts;
    private final int[] ints;

    /**
     * Creates a converter for chunks of up to {@code maxChunkBytes} source bytes.
     *
     * @param maxChunkBytes the largest source chunk, in bytes
     */
    ChunkConverter(int maxChunkBytes) {
        if (maxChunkBytes < Float.BYTES) {
            throw new IllegalArgumentException("chunk must hold one element, got " + maxChunkBytes);
        }
        this.maxElements = maxChunkBytes / Short.BYTES;
        this.shorts = new short[maxElements];
        this.ints = new int[maxElements];
    }

    /**
     * Converts every element remaining in {@code source} into {@code target}; both positions
     * advance. Each buffer is read or written in its own byte order.
     *
     * @param source whole elements of type {@code from}, at most the chunk size
     * @param from F32, F16 or BF16
     * @param target receives the elements as {@code to}; must have room for all of them
     * @param to F32 or F16
     */
    void convert(ByteBuffer source, SafetensorsDtype from, ByteBuffer target, SafetensorsDtype to) {
        if (source.remaining() > maxElements * Short.BYTES) {
            throw new IllegalArgumentException(
                    "chunk of "
                            + source.remaining()
                            + " bytes exceeds "
                            + maxElements * Short.BYTES);
        }
        if (from == to) {
            if (source.order() == target.order()) {
                target.put(source);
            } else {
                TensorConversion.convert(source, from, target, to);
            }
            return;
        }
        if (from == SafetensorsDtype.F32) {
            if (to != SafetensorsDtype.F16) {
                throw new IllegalArgumentException("cannot convert to " + to);
            }
            // narrowing from 32 bits has no table; the element-wise code is the reference
            TensorConversion.convert(source, from, target, to);
            return;
        }
        int n = source.remaining() / Short.BYTES;
        source.asShortBuffer().get(shorts, 0, n);
        source.position(source.position() + n * Short.BYTES);
        if (from == SafetensorsDtype.BF16 && to == SafetensorsDtype.F32) {
            for (int i = 0; i < n; i++) {
                ints[i] = shorts[i] << 16;
            }
            putInts(target, n);
        } else if (from == SafetensorsDtype.F16 && to == SafetensorsDtype.F32) {
            for (int i = 0; i < n; i++) {
                ints[i] = F16_TO_F32[shorts[i] & 0xFFFF];
            }
            putInts(target, n);
        } else if (from == SafetensorsDtype.BF16 && to == SafetensorsDtype.F16) {
            for (int i = 0; i < n; i++) {
                shorts[i] = BF16_TO_F16[shorts[i] & 0xFFFF];
            }
            target.asShortBuffer().put(shorts, 0, n);
            target.position(target.position() + n * Short.BYTES);
        } else {
            throw new IllegalArgumentException("cannot convert " + from + " to " + to);
        }
    }

    /**
     * Returns how many source bytes of {@code from} fit one chunk, rounded down to whole elements.
     *
     * @param from the source type
     * @return the chunk size in bytes
     */
    int chunkBytes(SafetensorsDtype from) {
        return (maxElements * Short.BYTES) / from.byteSize() * from.byteSize();
    }

    private void putInts(ByteBuffer target, int n) {
        target.asIntBuffer().put(ints, 0, n);
        target.position(target.position() + n * Integer.BYTES);
    }
}
