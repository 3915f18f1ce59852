package org.layerskip.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.layerskip.testing.Assertions;
import org.testng.Assert;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;

public class SafetensorsRoundTripTest {

    private static final float[] SPECIALS = {
        0f,
        -0f,
        1f,
        -2.5f,
        Float.NaN,
        Float.POSITIVE_INFINITY,
        Float.NEGATIVE_INFINITY,
        1f + 0x1p-8f,
        1f + 3 * 0x1p-8f,
        65504f,
        1e-7f,
        Float.MIN_VALUE,
        3.14159265f,
        -1e30f
    };

    private Path dir;
    private NDManager manager;

    @BeforeClass
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("safetensors-rt");
        manager = NDManager.newBaseManager();
    }

    @AfterClass
    public void tearDown() {
        manager.close();
    }

    private static Map<String, TensorData> sample() {
        Random random = new Random(42);
        float[] matrix = new float[3 * 5];
        for (int i = 0; i < matrix.length; i++) {
            matrix[i] = (float) random.nextGaussian();
        }
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        tensors.put("model.layers.0.weight", TensorData.of(matrix, 3, 5));
        tensors.put("specials", TensorData.of(SPECIALS.clone(), SPECIALS.length));
        tensors.put("scalar", TensorData.of(new float[] {7f}));
        tensors.put("empty", TensorData.of(new float[0], 0, 4));
        return tensors;
    }

    @Test
    public void f32IsExact() throws IOException {
        Path file = dir.resolve("f32.safetensors");
        Map<String, TensorData> tensors = sample();
        SafetensorsWriter.write(file, tensors, SafetensorsDtype.F32);
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            Assert.assertEquals(List.copyOf(st.tensors().keySet()), List.copyOf(tensors.keySet()));
            Assert.assertEquals(st.metadata(), Map.of("format", "pt"));
            for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
                TensorInfo info = st.tensors().get(e.getKey());
                Assert.assertEquals(info.dtype(), "F32");
                Assert.assertEquals(info.shape(), e.getValue().shape());
                assertBitsEqual(st.readFloats(e.getKey()), e.getValue().data());
                try (NDArray array = st.load(e.getKey(), manager, DataType.FLOAT32)) {
                    Assert.assertEquals(array.getShape(), new Shape(e.getValue().shape()));
                    Assert.assertEquals(array.getName(), e.getKey());
                    assertBitsEqual(array.toFloatArray(), e.getValue().data());
                }
            }
            ByteBuffer raw = st.rawBytes("scalar");
            Assert.assertEquals(raw.order(), ByteOrder.LITTLE_ENDIAN);
            Assert.assertEquals(raw.getFloat(0), 7f);
        }
    }

    @Test
    public void bf16RoundsInJavaAndLoadsAsFloat32() throws IOException {
        Path file = dir.resolve("bf16.safetensors");
        SafetensorsWriter.write(file, sample(), SafetensorsDtype.BF16);
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            Assert.assertEquals(st.tensors().get("specials").dtype(), "BF16");
            float[] got = st.readFloats("specials");
            for (int i = 0; i < SPECIALS.length; i++) {
                float expected = FloatFormats.bf16ToFloat(FloatFormats.floatToBf16(SPECIALS[i]));
                Assert.assertEquals(Float.floatToIntBits(got[i]), Float.floatToIntBits(expected));
            }
            Assert.assertEquals(got[7], 1f, "round-to-even down");
            Assert.assertEquals(got[8], 1f + 0x1p-6f, "round-to-even up");
            Assert.assertTrue(Float.isNaN(got[4]));
            Assert.assertEquals(got[5], Float.POSITIVE_INFINITY);
            Assert.assertEquals(got[6], Float.NEGATIVE_INFINITY);
            try (NDArray array = st.load("specials", manager, DataType.FLOAT32)) {
                Assert.assertEquals(array.getDataType(), DataType.FLOAT32);
                assertBitsEqual(array.toFloatArray(), got);
            }
            try (NDArray array = st.load("model.layers.0.weight", manager, DataType.FLOAT16)) {
                Assert.assertEquals(array.getDataType(), DataType.FLOAT16);
                Assert.assertEquals(array.getShape(), new Shape(3, 5));
                float[] wide = WritableTensor.floatsOf(array);
                float[] reference = st.readFloats("model.layers.0.weight");
                for (int i = 0; i < wide.length; i++) {
                    Assert.assertEquals(wide[i], reference[i], Math.abs(reference[i]) * 1e-3f);
                }
            }
        }
    }

    @Test
    public void f16RoundTripsThroughNdArrays() throws IOException {
        Path file = dir.resolve("f16.safetensors");
        SafetensorsWriter.write(file, sample(), SafetensorsDtype.F16);
        Path copy = dir.resolve("f16-copy.safetensors");
        try (SafetensorsFile st = SafetensorsFile.open(file);
                NDManager sub = manager.newSubManager()) {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            for (String name : st.tensors().keySet()) {
                arrays.put(name, st.load(name, sub, DataType.FLOAT16));
            }
            float[] specials = st.readFloats("specials");
            Assert.assertEquals(specials[9], 65504f);
            Assert.assertEquals(specials[5], Float.POSITIVE_INFINITY);
            Assert.assertTrue(Float.isNaN(specials[4]));
            SafetensorsWriter.writeArrays(copy, arrays, SafetensorsDtype.F16);
        }
        Assert.assertEquals(
                Files.readAllBytes(copy), Files.readAllBytes(file), "F16 bytes identical");
    }

    @Test
    public void headerIsAlignedAndWriteLeavesNoTemporaryFiles() throws IOException {
        Path file = dir.resolve("aligned.safetensors");
        Files.write(file, new byte[] {1, 2, 3}); // replaced atomically
        SafetensorsWriter.write(file, sample(), SafetensorsDtype.F32);
        ByteBuffer head = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = head.getLong(0);
        Assert.assertEquals(headerLength % 8, 0);
        String header =
                new String(Files.readAllBytes(file), 8, (int) headerLength, StandardCharsets.UTF_8);
        Assert.assertTrue(header.startsWith("{\"__metadata__\":{\"format\":\"pt\"}"), header);
        Assert.assertTrue(header.stripTrailing().endsWith("}"), "padding is spaces only");
        Assert.assertTrue(header.length() - header.stripTrailing().length() < 8);
        // A name whose length changes the padding must still be aligned.
        for (int extra = 0; extra < 8; extra++) {
            Path other = dir.resolve("aligned" + extra + ".safetensors");
            SafetensorsWriter.write(
                    other,
                    Map.of("x".repeat(extra + 1), TensorData.of(new float[1], 1)),
                    SafetensorsDtype.F32);
            ByteBuffer bytes =
                    ByteBuffer.wrap(Files.readAllBytes(other)).order(ByteOrder.LITTLE_ENDIAN);
            Assert.assertEquals(bytes.getLong(0) % 8, 0);
            try (SafetensorsFile st = SafetensorsFile.open(other)) {
                Assert.assertEquals(st.readFloats("x".repeat(extra + 1)), new float[1]);
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<String> leftovers =
                    files.map(p -> p.getFileName().toString())
                            .filter(n -> n.endsWith(".tmp"))
                            .collect(Collectors.toList());
            Assert.assertEquals(leftovers, List.of());
        }
    }

    @Test
    public void writerRejectsNonFloatDtype() {
        Assert.expectThrows(
                IllegalArgumentException.class,
                () ->
                        SafetensorsWriter.write(
                                dir.resolve("x.safetensors"), sample(), SafetensorsDtype.I32));
        Assert.expectThrows(
                IllegalArgumentException.class,
                () ->
                        SafetensorsWriter.write(
                                dir.resolve("y.safetensors"),
                                Map.of("__metadata__", TensorData.of(new float[1], 1)),
                                SafetensorsDtype.F32));
    }

    @Test
    public void loadRejectsBadTargetType() throws IOException {
        Path file = dir.resolve("target.safetensors");
        SafetensorsWriter.write(file, sample(), SafetensorsDtype.F32);
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            Assert.expectThrows(
                    IllegalArgumentException.class,
                    () -> st.load("scalar", manager, DataType.BFLOAT16));
            CheckpointException e =
                    Assert.expectThrows(CheckpointException.class, () -> st.readFloats("nope"));
            Assertions.assertOneLineMessage(e, "nope", file.toString());
        }
    }

    static void assertBitsEqual(float[] actual, float[] expected) {
        Assert.assertEquals(actual.length, expected.length);
        for (int i = 0; i < actual.length; i++) {
            Assert.assertEquals(
                    Float.floatToIntBits(actual[i]),
                    Float.floatToIntBits(expected[i]),
                    "index " + i);
        }
    }
}
