package org.layerskip.io;

import org.testng.Assert;
import org.testng.annotations.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

/** The fast chunk converter against the element-wise reference, bit for bit. */
public class ChunkConverterTest {

    /** Every 16-bit pattern, little-endian, as a file would hold it. */
    private static ByteBuffer all16BitPatterns() {
        ByteBuffer b = ByteBuffer.allocateDirect(2 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (int bits = 0; bits < (1 << 16); bits++) {
            b.putShort((short) bits);
        }
        return b.flip();
    }

    private static void assertSameAsReference(
            ByteBuffer source, SafetensorsDtype from, SafetensorsDtype to, ByteOrder targetOrder) {
        int n = source.remaining() / from.byteSize();
        ByteBuffer expected = ByteBuffer.allocate(n * to.byteSize()).order(targetOrder);
        TensorConversion.convert(source.duplicate().order(source.order()), from, expected, to);
        ByteBuffer actual = ByteBuffer.allocateDirect(n * to.byteSize()).order(targetOrder);
        // several chunks, the last one partial, so chunk boundaries are covered
        ChunkConverter converter = new ChunkConverter(6000 * from.byteSize());
        ByteBuffer src = source.duplicate().order(source.order());
        while (src.hasRemaining()) {
            int len = Math.min(converter.chunkBytes(from), src.remaining());
            ByteBuffer chunk = src.slice().order(source.order()).limit(len);
            converter.convert(chunk, from, actual, to);
            Assert.assertFalse(chunk.hasRemaining(), "source consumed");
            src.position(src.position() + len);
        }
        Assert.assertFalse(actual.hasRemaining(), from + "->" + to + ": target filled");
        expected.flip();
        actual.flip();
        for (int i = 0; i < n * to.byteSize(); i++) {
            if (expected.get(i) != actual.get(i)) {
                Assert.fail(
                        from
                                + "->"
                                + to
                                + " differs at byte "
                                + i
                                + " (element "
                                + i / to.byteSize()
                                + ")");
            }
        }
    }

    @Test
    public void every16BitPatternConvertsLikeTheReference() {
        for (SafetensorsDtype from :
                new SafetensorsDtype[] {SafetensorsDtype.BF16, SafetensorsDtype.F16}) {
            for (SafetensorsDtype to :
                    new SafetensorsDtype[] {SafetensorsDtype.F32, SafetensorsDtype.F16}) {
                assertSameAsReference(all16BitPatterns(), from, to, ByteOrder.LITTLE_ENDIAN);
                assertSameAsReference(all16BitPatterns(), from, to, ByteOrder.BIG_ENDIAN);
            }
        }
    }

    @Test
    public void float32ConvertsLikeTheReference() {
        Random random = new Random(11);
        int n = 50_000;
        ByteBuffer f32 = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        float[] specials = {
            0f,
            -0f,
            Float.NaN,
            Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY,
            65504f,
            65520f,
            0x1p-24f,
            0x1p-25f,
            Float.MIN_VALUE,
            Float.MAX_VALUE
        };
        for (float s : specials) {
            f32.putFloat(s);
        }
        while (f32.hasRemaining()) {
            f32.putInt(random.nextInt());
        }
        f32.flip();
        for (SafetensorsDtype to :
                new SafetensorsDtype[] {SafetensorsDtype.F32, SafetensorsDtype.F16}) {
            assertSameAsReference(f32, SafetensorsDtype.F32, to, ByteOrder.LITTLE_ENDIAN);
            assertSameAsReference(f32, SafetensorsDtype.F32, to, ByteOrder.BIG_ENDIAN);
        }
    }

    @Test
    public void bf16WidensExactly() {
        ByteBuffer src = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN);
        src.putShort(FloatFormats.floatToBf16(1.5f))
                .putShort(FloatFormats.floatToBf16(-2f))
                .putShort(FloatFormats.floatToBf16(0.15625f))
                .flip();
        ByteBuffer out = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        new ChunkConverter(1024).convert(src, SafetensorsDtype.BF16, out, SafetensorsDtype.F32);
        out.flip();
        Assert.assertEquals(out.getFloat(), 1.5f);
        Assert.assertEquals(out.getFloat(), -2f);
        Assert.assertEquals(out.getFloat(), 0.15625f);
    }

    @Test
    public void rejectsOversizedChunksAndBadTargets() {
        ChunkConverter c = new ChunkConverter(8);
        Assert.assertEquals(c.chunkBytes(SafetensorsDtype.F32), 8);
        Assert.assertEquals(c.chunkBytes(SafetensorsDtype.BF16), 8);
        Assert.expectThrows(
                IllegalArgumentException.class,
                () ->
                        c.convert(
                                ByteBuffer.allocate(10),
                                SafetensorsDtype.BF16,
                                ByteBuffer.allocate(20),
                                SafetensorsDtype.F32));
        Assert.expectThrows(
                IllegalArgumentException.class,
                () ->
                        c.convert(
                                ByteBuffer.allocate(4),
                                SafetensorsDtype.F32,
                                ByteBuffer.allocate(4),
                                SafetensorsDtype.BF16));
        Assert.expectThrows(IllegalArgumentException.class, () -> new ChunkConverter(2));
    }
}
