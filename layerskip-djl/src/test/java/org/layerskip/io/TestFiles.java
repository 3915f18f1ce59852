package org.layerskip.io;

import org.layerskip.testing.Assertions;
import org.testng.Assert;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds hand-crafted safetensors bytes for tests. */
final class TestFiles {

    private TestFiles() {}

    /** Header length field + JSON header + data section. */
    static byte[] safetensors(String json, byte[] data) {
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + header.length + data.length)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(header.length)
                .put(header)
                .put(data)
                .array();
    }

    /** Little-endian F32 bytes. */
    static byte[] f32(float... values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float value : values) {
            buffer.putFloat(value);
        }
        return buffer.array();
    }

    static Path write(Path dir, String name, byte[] bytes) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, bytes);
        return file;
    }

    /** Asserts that opening fails with a CheckpointException whose message contains every part. */
    static CheckpointException assertRejected(Path file, String... parts) {
        CheckpointException e =
                Assert.expectThrows(
                        CheckpointException.class, () -> SafetensorsFile.open(file).close());
        Assertions.assertOneLineMessage(e, parts);
        return e;
    }
}
