package org.layerskip.io;

import static org.layerskip.io.TestFiles.assertRejected;
import static org.layerskip.io.TestFiles.f32;
import static org.layerskip.io.TestFiles.safetensors;

import org.layerskip.testing.Assertions;
import org.testng.Assert;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

public class HostileFilesTest {

    private static final String GOOD =
            "{\"__metadata__\":{\"format\":\"pt\"},"
                    + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    private Path dir;

    @BeforeClass
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("safetensors-hostile");
    }

    private Path file(String name, String json, byte[] data) throws IOException {
        return TestFiles.write(dir, name + ".safetensors", safetensors(json, data));
    }

    private Path entry(String name, String entryJson, int dataBytes) throws IOException {
        return file(name, "{\"t\":" + entryJson + "}", new byte[dataBytes]);
    }

    @Test
    public void validFileOpens() throws IOException {
        Path file = file("good", GOOD, f32(1f, 2f));
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            Assert.assertEquals(st.readFloats("a"), new float[] {1f, 2f});
        }
    }

    @Test
    public void truncatedFiles() throws IOException {
        byte[] good = safetensors(GOOD, f32(1f, 2f));
        assertRejected(
                TestFiles.write(dir, "empty.safetensors", new byte[0]),
                "empty.safetensors",
                "truncated");
        assertRejected(
                TestFiles.write(dir, "five.safetensors", Arrays.copyOf(good, 5)), "truncated");
        assertRejected(
                TestFiles.write(dir, "halfheader.safetensors", Arrays.copyOf(good, 20)),
                "header length",
                "exceeds the file size");
        assertRejected(
                TestFiles.write(dir, "halfdata.safetensors", Arrays.copyOf(good, good.length - 3)),
                "tensor 'a'",
                "exceed the data section");
    }

    @Test
    public void headerLengthBeyondFileOrLimit() throws IOException {
        byte[] bytes = safetensors(GOOD, f32(1f, 2f));
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1000);
        assertRejected(
                TestFiles.write(dir, "long.safetensors", bytes), "header length 1000", "file size");
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1L);
        assertRejected(
                TestFiles.write(dir, "neg.safetensors", bytes), "18446744073709551615", "limit");
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 200_000_000L);
        assertRejected(TestFiles.write(dir, "huge.safetensors", bytes), "200000000", "limit");
    }

    @Test
    public void headerNotJson() throws IOException {
        assertRejected(
                file("garbage", "hello world", new byte[0]),
                "garbage.safetensors",
                "not valid JSON");
        assertRejected(file("array", "[1,2,3]", new byte[0]), "must be an object");
        assertRejected(file("string", "\"x\"", new byte[0]), "must be an object");
        assertRejected(
                file("unclosed", "{\"a\":{\"dtype\":\"F32\"", new byte[0]), "not valid JSON");
        assertRejected(file("trailing", GOOD + "{}", f32(1f, 2f)), "not valid JSON", "column");
        assertRejected(file("lenient", "{a:1}", new byte[0]), "not valid JSON");
        byte[] invalidUtf8 = safetensors("{\"\u00e9\":1}", new byte[0]);
        invalidUtf8[10] = (byte) 0xC3;
        invalidUtf8[11] = (byte) 0x28;
        assertRejected(TestFiles.write(dir, "utf8.safetensors", invalidUtf8), "UTF-8");
        assertRejected(file("deep", "[".repeat(10_000), new byte[0]), "deep.safetensors");
        assertRejected(
                file("metadata", "{\"__metadata__\":{\"k\":1}}", new byte[0]),
                "__metadata__",
                "string");
        assertRejected(
                file(
                        "dup",
                        "{\"t\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},"
                                + "\"t\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}",
                        new byte[0]),
                "duplicate tensor 't'");
        assertRejected(entry("notobject", "[1]", 0), "tensor 't'", "must be an object");
        assertRejected(
                entry("missing", "{\"dtype\":\"F32\",\"shape\":[1]}", 4),
                "tensor 't'",
                "data_offsets");
    }

    @Test
    public void offsetsOutOfRange() throws IOException {
        assertRejected(
                entry("beyond", "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}", 8),
                "tensor 't'",
                "[8, 16]",
                "data section of 8 bytes");
        assertRejected(
                entry("reversed", "{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}", 8),
                "tensor 't'",
                "invalid");
        assertRejected(
                entry("negative", "{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[-4,0]}", 8),
                "tensor 't'",
                "invalid");
        assertRejected(
                entry("three", "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}", 8),
                "tensor 't'",
                "data_offsets");
        assertRejected(
                entry("fraction", "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4.5]}", 8),
                "tensor 't'",
                "integer");
        assertRejected(
                entry(
                        "bigint",
                        "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,"
                                + "99999999999999999999999]}",
                        8),
                "tensor 't'",
                "integer");
    }

    @Test
    public void overlappingOffsets() throws IOException {
        String json =
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        assertRejected(file("overlap", json, new byte[12]), "'a'", "'b'", "overlap");
        String same =
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        assertRejected(file("alias", same, new byte[4]), "overlap");
    }

    @Test
    public void sizeShapeMismatch() throws IOException {
        assertRejected(
                entry("mismatch", "{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}", 8),
                "tensor 't'",
                "[3]",
                "needs 12 bytes",
                "span 8");
        assertRejected(
                entry(
                        "bf16size",
                        "{\"dtype\":\"BF16\",\"shape\":[2,2],\"data_offsets\":[0,16]}",
                        16),
                "needs 8 bytes");
    }

    @Test
    public void unknownDtype() throws IOException {
        assertRejected(
                entry("f8", "{\"dtype\":\"F8_E9M9\",\"shape\":[1],\"data_offsets\":[0,1]}", 1),
                "tensor 't'",
                "unknown dtype 'F8_E9M9'");
        assertRejected(
                entry("lower", "{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}", 4),
                "unknown dtype 'f32'");
        assertRejected(
                entry("numeric", "{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}", 4),
                "dtype must be a string");
    }

    @Test
    public void badShapes() throws IOException {
        assertRejected(
                entry(
                        "negdim",
                        "{\"dtype\":\"F32\",\"shape\":[-1,-4],\"data_offsets\":[0,16]}",
                        16),
                "tensor 't'",
                "negative dimension");
        assertRejected(
                entry(
                        "overflow",
                        "{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],"
                                + "\"data_offsets\":[0,0]}",
                        0),
                "tensor 't'",
                "overflows");
        assertRejected(
                entry(
                        "bytesoverflow",
                        "{\"dtype\":\"F64\",\"shape\":[4611686018427387904],"
                                + "\"data_offsets\":[0,0]}",
                        0),
                "tensor 't'",
                "overflows");
        assertRejected(
                entry(
                        "rank",
                        "{\"dtype\":\"F32\",\"shape\":["
                                + "1,".repeat(80)
                                + "1],"
                                + "\"data_offsets\":[0,4]}",
                        4),
                "more than 64");
        assertRejected(
                entry("strdim", "{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}", 8),
                "shape entry must be a number");
    }

    @Test
    public void nonFloatTensorsParseButDoNotLoad() throws IOException {
        Path file = entry("ints", "{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}", 16);
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            Assert.assertEquals(st.rawBytes("t").remaining(), 16);
            CheckpointException e =
                    Assert.expectThrows(CheckpointException.class, () -> st.readFloats("t"));
            Assertions.assertOneLineMessage(
                    e, "ints.safetensors", "tensor 't'", "I64", "only F32, F16 and BF16");
        }
    }

    @Test
    public void missingFileOrDirectory() {
        CheckpointException e =
                Assert.expectThrows(
                        CheckpointException.class, () -> SafetensorsFile.open(dir.resolve("none")));
        Assertions.assertOneLineMessage(e, "none", "no such file");
        Assert.expectThrows(CheckpointException.class, () -> SafetensorsFile.open(dir));
    }
}
