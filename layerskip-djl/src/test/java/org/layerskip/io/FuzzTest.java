package org.layerskip.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import org.testng.Assert;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Seeded mutations of a valid file: every case must load or throw CheckpointException. */
public class FuzzTest {

    private static final int CASES = 2000;

    @Test(groups = "slow")
    public void mutatedFilesLoadOrFailCleanly() throws IOException {
        Path dir = Files.createTempDirectory("safetensors-fuzz");
        Path original = dir.resolve("original.safetensors");
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        tensors.put("a", TensorData.of(new float[] {1f, 2f, 3f, 4f, 5f, 6f}, 2, 3));
        tensors.put("b.weight", TensorData.of(new float[] {-1f, 0.5f}, 2));
        tensors.put("c", TensorData.of(new float[] {9f}));
        SafetensorsWriter.write(original, tensors, SafetensorsDtype.BF16);
        byte[] valid = Files.readAllBytes(original);
        int headerEnd = 8 + (int) ByteBuffer.wrap(valid).order(ByteOrder.LITTLE_ENDIAN).getLong(0);

        Random random = new Random(20240611L);
        Path file = dir.resolve("mutant.safetensors");
        int loaded = 0;
        int rejected = 0;
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int i = 0; i < CASES; i++) {
                byte[] mutant = mutate(valid, headerEnd, random);
                Files.write(file, mutant);
                try (SafetensorsFile st = SafetensorsFile.open(file);
                        NDManager sub = manager.newSubManager()) {
                    for (String name : st.tensors().keySet()) {
                        st.readFloats(name);
                        NDArray array = st.load(name, sub, DataType.FLOAT32);
                        Assert.assertEquals(
                                array.getShape().size(), st.tensors().get(name).numel());
                    }
                    loaded++;
                } catch (CheckpointException e) {
                    Assert.assertFalse(e.getMessage().contains("\n"), e.getMessage());
                    rejected++;
                } catch (Throwable t) {
                    throw new AssertionError(
                            "case "
                                    + i
                                    + " threw "
                                    + t
                                    + " for header "
                                    + new String(
                                            mutant,
                                            8,
                                            Math.max(0, Math.min(mutant.length, headerEnd) - 8),
                                            StandardCharsets.ISO_8859_1),
                            t);
                }
            }
        }
        Assert.assertEquals(loaded + rejected, CASES);
        Assert.assertTrue(rejected > CASES / 4, "mutations should mostly be caught: " + rejected);
        Assert.assertTrue(loaded > 0, "some mutations (e.g. in padding) should still load");
    }

    private static byte[] mutate(byte[] valid, int headerEnd, Random random) {
        byte[] bytes = valid.clone();
        int kind = random.nextInt(6);
        switch (kind) {
            case 0: // flip random bits in the header
                for (int n = 1 + random.nextInt(4); n > 0; n--) {
                    int at = 8 + random.nextInt(headerEnd - 8);
                    bytes[at] ^= (byte) (1 << random.nextInt(8));
                }
                return bytes;
            case 1: // replace a header byte with a JSON-significant character
                {
                    byte[] symbols = "{}[],:\"0123456789-e.  ".getBytes(StandardCharsets.US_ASCII);
                    bytes[8 + random.nextInt(headerEnd - 8)] =
                            symbols[random.nextInt(symbols.length)];
                    return bytes;
                }
            case 2: // truncate anywhere
                return Arrays.copyOf(bytes, random.nextInt(bytes.length));
            case 3: // change the length field
                {
                    long value;
                    switch (random.nextInt(4)) {
                        case 0:
                            value = random.nextLong();
                            break;
                        case 1:
                            value = headerEnd - 8 + random.nextInt(33) - 16;
                            break;
                        case 2:
                            value = random.nextInt(bytes.length + 16);
                            break;
                        default:
                            value = 1L << random.nextInt(63);
                    }
                    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value);
                    return bytes;
                }
            case 4: // append or remove data bytes
                return Arrays.copyOf(bytes, bytes.length + random.nextInt(17) - 8);
            default: // change one digit of the header into another digit (shapes, offsets)
                {
                    for (int tries = 0; tries < 100; tries++) {
                        int at = 8 + random.nextInt(headerEnd - 8);
                        if (bytes[at] >= '0' && bytes[at] <= '9') {
                            bytes[at] = (byte) ('0' + random.nextInt(10));
                            break;
                        }
                    }
                    return bytes;
                }
        }
    }
}
