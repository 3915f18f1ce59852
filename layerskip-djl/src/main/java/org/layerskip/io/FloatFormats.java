package org.layerskip.io;

/**
 * Bit-exact conversions between float32 and the 16-bit formats, written by hand because {@code
 * Float.float16ToFloat} needs Java 20. Narrowing rounds to nearest, ties to even; NaN stays NaN
 * (quiet, sign kept) and infinities stay infinite.
 */
final class FloatFormats {

    private FloatFormats() {}

    /**
     * Widens bfloat16 bits to a float (exact).
     *
     * @param bits the bfloat16 bits in the low 16 bits
     * @return the value
     */
    static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /**
     * Narrows a float to bfloat16, rounding to nearest even.
     *
     * @param value the value
     * @return the bfloat16 bits
     */
    static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7FFFFFFF) > 0x7F800000) {
            // NaN: keep sign and the top payload bits, force the quiet bit so it stays NaN.
            return (short) ((bits >>> 16) | 0x0040);
        }
        int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }

    /**
     * Widens IEEE half-precision bits to a float (exact, subnormals included).
     *
     * @param bits the half bits in the low 16 bits
     * @return the value
     */
    static float halfToFloat(short bits) {
        int h = bits & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1F;
        int mantissa = h & 0x3FF;
        if (exponent == 0x1F) {
            // Infinity or NaN (payload kept).
            return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            // Zero or subnormal: mantissa * 2^-24, exact in float.
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /**
     * Narrows a float to IEEE half precision, rounding to nearest even; overflow gives infinity.
     *
     * @param value the value
     * @return the half bits
     */
    static short floatToHalf(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int exponent = (bits >>> 23) & 0xFF;
        int mantissa = bits & 0x7FFFFF;
        if (exponent == 0xFF) {
            if (mantissa == 0) {
                return (short) (sign | 0x7C00);
            }
            return (short) (sign | 0x7E00 | (mantissa >>> 13));
        }
        int halfExponent = exponent - 112; // rebias 127 -> 15
        if (halfExponent >= 0x1F) {
            return (short) (sign | 0x7C00);
        }
        if (halfExponent <= 0) {
            // Result is subnormal or zero: shift the full 24-bit significand into 10 bits.
            int shift = 14 - halfExponent;
            if (shift > 24) {
                return (short) sign;
            }
            int significand = mantissa | 0x800000;
            int result = significand >>> shift;
            int remainder = significand & ((1 << shift) - 1);
            int halfway = 1 << (shift - 1);
            if (remainder > halfway || (remainder == halfway && (result & 1) != 0)) {
                result++; // may carry into the smallest normal, which is the right encoding
            }
            return (short) (sign | result);
        }
        int result = (halfExponent << 10) | (mantissa >>> 13);
        int remainder = mantissa & 0x1FFF;
        if (remainder > 0x1000 || (remainder == 0x1000 && (result & 1) != 0)) {
            result++; // a carry into the exponent may produce infinity, which is correct
        }
        return (short) (sign | result);
    }
}
