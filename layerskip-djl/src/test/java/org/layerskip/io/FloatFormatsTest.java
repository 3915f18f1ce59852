package org.layerskip.io;

import org.testng.Assert;
import org.testng.annotations.Test;

import java.util.Random;

public class FloatFormatsTest {

    @Test
    public void bf16RoundsToNearestEven() {
        // bf16 keeps 7 mantissa bits: 1 + 2^-8 is exactly halfway between 1 and 1 + 2^-7.
        Assert.assertEquals(bf16(1f + 0x1p-8f), 1f, "tie rounds down to even");
        Assert.assertEquals(bf16(1f + 3 * 0x1p-8f), 1f + 0x1p-6f, "tie rounds up to even");
        Assert.assertEquals(bf16(1f + 0x1p-8f + 0x1p-20f), 1f + 0x1p-7f, "above tie rounds up");
        Assert.assertEquals(bf16(1f + 0x1p-8f - 0x1p-20f), 1f, "below tie rounds down");
        Assert.assertEquals(bf16(-(1f + 3 * 0x1p-8f)), -(1f + 0x1p-6f));
        Assert.assertEquals(bf16(Float.MAX_VALUE), Float.POSITIVE_INFINITY, "overflow to infinity");
        Assert.assertEquals(Float.floatToRawIntBits(bf16(-0f)), 0x80000000, "negative zero kept");
    }

    @Test
    public void bf16KeepsSpecialValues() {
        Assert.assertEquals(bf16(Float.POSITIVE_INFINITY), Float.POSITIVE_INFINITY);
        Assert.assertEquals(bf16(Float.NEGATIVE_INFINITY), Float.NEGATIVE_INFINITY);
        Assert.assertTrue(Float.isNaN(bf16(Float.NaN)));
        // A NaN whose payload lives only in the low 16 bits must not become infinity.
        Assert.assertTrue(Float.isNaN(bf16(Float.intBitsToFloat(0x7F800001))));
        Assert.assertTrue(Float.isNaN(bf16(Float.intBitsToFloat(0xFF800001))));
    }

    @Test
    public void halfRoundTripsEveryBitPattern() {
        for (int bits = 0; bits < 0x10000; bits++) {
            float value = FloatFormats.halfToFloat((short) bits);
            short back = FloatFormats.floatToHalf(value);
            if (Float.isNaN(value)) {
                Assert.assertTrue(Float.isNaN(FloatFormats.halfToFloat(back)));
            } else {
                Assert.assertEquals(back & 0xFFFF, bits, "half bits " + Integer.toHexString(bits));
            }
        }
        Assert.assertEquals(
                FloatFormats.halfToFloat((short) 0x0001), 0x1p-24f, "smallest subnormal");
        Assert.assertEquals(FloatFormats.halfToFloat((short) 0x7BFF), 65504f, "largest half");
    }

    @Test
    public void halfRoundsToNearestEven() {
        Assert.assertEquals(half(1f + 0x1p-11f), 1f, "tie rounds down to even");
        Assert.assertEquals(half(1f + 3 * 0x1p-11f), 1f + 0x1p-9f, "tie rounds up to even");
        Assert.assertEquals(half(65520f), Float.POSITIVE_INFINITY, "rounds past max to infinity");
        Assert.assertEquals(half(65519f), 65504f);
        Assert.assertEquals(half(0x1p-25f), 0f, "tie at half the smallest subnormal rounds to 0");
        Assert.assertEquals(half(0x1p-25f + 0x1p-35f), 0x1p-24f);
        Assert.assertEquals(half(3 * 0x1p-25f), 2 * 0x1p-24f, "subnormal tie to even");
        Random random = new Random(7);
        for (int i = 0; i < 200_000; i++) {
            float value =
                    (float) ((random.nextDouble() * 2 - 1) * Math.pow(2, random.nextInt(40) - 25));
            short bits = FloatFormats.floatToHalf(value);
            double got = FloatFormats.halfToFloat(bits);
            double errorGot = Math.abs(value - got);
            for (int delta : new int[] {-1, 1}) {
                int neighbour = (bits & 0x7FFF) + delta;
                if (neighbour < 0 || neighbour >= 0x7C00) {
                    continue;
                }
                double other = FloatFormats.halfToFloat((short) ((bits & 0x8000) | neighbour));
                double errorOther = Math.abs(value - other);
                Assert.assertTrue(errorGot <= errorOther, value + " -> " + got + " not nearest");
                if (errorGot == errorOther) {
                    Assert.assertEquals(bits & 1, 0, value + " tie not to even");
                }
            }
        }
    }

    private static float bf16(float value) {
        return FloatFormats.bf16ToFloat(FloatFormats.floatToBf16(value));
    }

    private static float half(float value) {
        return FloatFormats.halfToFloat(FloatFormats.floatToHalf(value));
    }
}
