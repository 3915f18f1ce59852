package org.layerskip.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import org.layerskip.testing.Assertions;
import org.testng.Assert;
import org.testng.annotations.Test;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Offsets beyond 2 GiB, using a sparse file so no gigabytes are written. */
public class LargeFileTest {

    private static final long FILLER = 5L << 29; // 2.5 GiB

    @Test
    public void readsTensorBeyondTwoGibibytes() throws IOException {
        Path dir = Files.createTempDirectory("safetensors-large");
        Path file = dir.resolve("model.safetensors");
        String json =
                "{\"filler\":{\"dtype\":\"U8\",\"shape\":["
                        + FILLER
                        + "],\"data_offsets\":[0,"
                        + FILLER
                        + "]},"
                        + "\"far\":{\"dtype\":\"BF16\",\"shape\":[2,2],\"data_offsets\":["
                        + FILLER
                        + ","
                        + (FILLER + 8)
                        + "]}}";
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        long dataStart = 8 + header.length;
        short[] bf16 = {
            FloatFormats.floatToBf16(1.5f),
            FloatFormats.floatToBf16(-2f),
            FloatFormats.floatToBf16(Float.POSITIVE_INFINITY),
            FloatFormats.floatToBf16(0.15625f)
        };
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(dataStart + FILLER + 8); // sparse: nothing is written in between
            raf.seek(0);
            raf.writeLong(Long.reverseBytes(header.length));
            raf.write(header);
            raf.seek(dataStart + FILLER);
            for (short value : bf16) {
                raf.writeShort(Short.reverseBytes(value));
            }
        }
        try {
            Assert.assertTrue(Files.size(file) > (2L << 30));
            float[] expected = {1.5f, -2f, Float.POSITIVE_INFINITY, 0.15625f};
            try (Checkpoint checkpoint = Checkpoint.open(dir);
                    NDManager manager = NDManager.newBaseManager()) {
                TensorInfo far = checkpoint.info("far");
                Assert.assertEquals(far.begin(), FILLER);
                Assert.assertEquals(checkpoint.readFloats("far"), expected);
                try (NDArray array = checkpoint.load("far", manager, DataType.FLOAT32)) {
                    Assert.assertEquals(array.toFloatArray(), expected);
                }
                CheckpointException e =
                        Assert.expectThrows(
                                CheckpointException.class, () -> checkpoint.readFloats("filler"));
                Assertions.assertOneLineMessage(e, "'filler'", "U8");
                SafetensorsFile only = checkpoint.files().get(0);
                e = Assert.expectThrows(CheckpointException.class, () -> only.rawBytes("filler"));
                Assertions.assertOneLineMessage(e, "'filler'", "more than one array can hold");
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
