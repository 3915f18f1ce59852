package org.layerskip.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.testng.Assert;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Tensors written into engine arrays: whole and row ranges (as fused parameters take them), every
 * source type into FLOAT32 and FLOAT16, through whole views, through row-block views, and through
 * heap staging; values must equal the element-wise reference exactly.
 */
public class ArrayLoaderTest {

    private Path dir;
    private Path file;
    private NDManager manager;

    /** a: BF16 [3,5]; b: F16 [2,5]; c: F32 [2,5]; s: F32 scalar; z: F32 [0,5]. */
    @BeforeClass
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("array-loader");
        Random random = new Random(5);
        ByteBuffer data = ByteBuffer.allocate(30 + 20 + 40 + 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 15; i++) {
            data.putShort(FloatFormats.floatToBf16((float) random.nextGaussian()));
        }
        for (int i = 0; i < 10; i++) {
            data.putShort(FloatFormats.floatToHalf((float) random.nextGaussian() * 100));
        }
        for (int i = 0; i < 10; i++) {
            data.putFloat((float) random.nextGaussian() * 1e-3f);
        }
        data.putFloat(-7.25f);
        String json =
                "{\"a\":{\"dtype\":\"BF16\",\"shape\":[3,5],\"data_offsets\":[0,30]},"
                        + "\"b\":{\"dtype\":\"F16\",\"shape\":[2,5],\"data_offsets\":[30,50]},"
                        + "\"c\":{\"dtype\":\"F32\",\"shape\":[2,5],\"data_offsets\":[50,90]},"
                        + "\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[90,94]},"
                        + "\"z\":{\"dtype\":\"F32\",\"shape\":[0,5],\"data_offsets\":[94,94]}}";
        file = TestFiles.write(dir, "t.safetensors", TestFiles.safetensors(json, data.array()));
        manager = NDManager.newBaseManager();
    }

    @AfterClass
    public void tearDown() throws IOException {
        manager.close();
        HfLlamaTest.delete(dir);
    }

    private static float[] expected(SafetensorsFile f, DataType type, String... names)
            throws IOException {
        int n = 0;
        for (String name : names) {
            n += f.readFloats(name).length;
        }
        float[] out = new float[n];
        int i = 0;
        for (String name : names) {
            for (float v : f.readFloats(name)) {
                out[i++] =
                        type == DataType.FLOAT16
                                ? FloatFormats.halfToFloat(FloatFormats.floatToHalf(v))
                                : v;
            }
        }
        return out;
    }

    private static float[] values(NDArray array) {
        try (NDArray f = array.toType(DataType.FLOAT32, true)) {
            return f.toFloatArray();
        }
    }

    private void fillsFusedRows(ArrayLoader loader, DataType type) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(file);
                NDManager sub = manager.newSubManager()) {
            // a fused parameter: rows 0-2 from a, 3-4 from b, 5-6 from c
            NDArray fused = sub.create(new Shape(7, 5), type);
            loader.fill(f, "a", fused, 0);
            loader.fill(f, "b", fused, 3);
            loader.fill(f, "c", fused, 5);
            Assert.assertEquals(values(fused), expected(f, type, "a", "b", "c"), type + " fused");
            NDArray scalar = sub.create(new Shape(), type);
            loader.fill(f, "s", scalar, 0);
            Assert.assertEquals(values(scalar), new float[] {-7.25f});
            NDArray empty = sub.create(new Shape(0, 5), type);
            loader.fill(f, "z", empty, 0);
            Assert.assertEquals(empty.size(), 0);
        }
    }

    @Test
    public void fillsThroughSharedViews() throws IOException {
        try (ArrayLoader loader = new ArrayLoader(manager)) {
            Assert.assertTrue(
                    loader.sharedViews(),
                    "DJL's PyTorch engine on CPU exposes arrays' memory as direct views");
            fillsFusedRows(loader, DataType.FLOAT32);
            fillsFusedRows(loader, DataType.FLOAT16);
        }
    }

    @Test
    public void fillsLargeArraysThroughRowBlockViews() throws IOException {
        // a 24-byte view limit: one FLOAT32 row (20 bytes) or two FLOAT16 rows per block
        try (ArrayLoader loader = new ArrayLoader(manager, 24, true)) {
            fillsFusedRows(loader, DataType.FLOAT32);
            fillsFusedRows(loader, DataType.FLOAT16);
        }
    }

    @Test
    public void fillsThroughHeapStagingWhereViewsAreUnavailable() throws IOException {
        try (ArrayLoader loader = new ArrayLoader(manager, ArrayLoader.MAX_VIEW_BYTES, false)) {
            Assert.assertFalse(loader.sharedViews());
            fillsFusedRows(loader, DataType.FLOAT32);
            fillsFusedRows(loader, DataType.FLOAT16);
        }
    }

    @Test
    public void allocatesNoJavaDirectBuffers() throws IOException {
        BufferPoolMXBean direct =
                ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                        .filter(p -> p.getName().equals("direct"))
                        .findFirst()
                        .orElseThrow();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            long count = direct.getCount();
            long used = direct.getMemoryUsed();
            try (ArrayLoader loader = new ArrayLoader(manager);
                    NDManager sub = manager.newSubManager()) {
                NDArray fused = sub.create(new Shape(7, 5), DataType.FLOAT32);
                loader.fill(f, "a", fused, 0);
                loader.fill(f, "b", fused, 3);
                loader.fill(f, "c", fused, 5);
                try (NDArray loaded = f.load("a", sub, DataType.FLOAT16)) {
                    Assert.assertEquals(loaded.getShape(), new Shape(3, 5));
                }
            }
            Assert.assertTrue(
                    direct.getCount() <= count,
                    "direct buffers " + count + " -> " + direct.getCount());
            Assert.assertTrue(
                    direct.getMemoryUsed() <= used,
                    "direct bytes " + used + " -> " + direct.getMemoryUsed());
        }
    }

    @Test
    public void rejectsTensorsThatDoNotFit() throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(file);
                ArrayLoader loader = new ArrayLoader(manager);
                NDManager sub = manager.newSubManager()) {
            NDArray target = sub.create(new Shape(4, 5), DataType.FLOAT32);
            Assert.expectThrows(
                    IllegalArgumentException.class, () -> loader.fill(f, "a", target, 2));
            Assert.expectThrows(
                    IllegalArgumentException.class, () -> loader.fill(f, "a", target, -1));
            NDArray narrow = sub.create(new Shape(4, 4), DataType.FLOAT32);
            Assert.expectThrows(
                    IllegalArgumentException.class, () -> loader.fill(f, "a", narrow, 0));
            NDArray ints = sub.create(new Shape(3, 5), DataType.INT32);
            Assert.expectThrows(IllegalArgumentException.class, () -> loader.fill(f, "a", ints, 0));
            Assert.expectThrows(CheckpointException.class, () -> loader.fill(f, "nope", target, 0));
        }
    }
}
