package org.layerskip.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.layerskip.testing.Assertions;
import org.testng.Assert;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public class CheckpointTest {

    private Path root;

    @BeforeClass
    public void setUp() throws IOException {
        root = Files.createTempDirectory("checkpoint");
    }

    /** Five 4x4 tensors (64 bytes each as F32), values derived from the index. */
    private static Map<String, TensorData> tensors() {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        for (int t = 0; t < 5; t++) {
            float[] values = new float[16];
            for (int i = 0; i < values.length; i++) {
                values[i] = t * 100 + i + 0.25f;
            }
            tensors.put("model.layers." + t + ".weight", TensorData.of(values, 4, 4));
        }
        return tensors;
    }

    private Path sharded(String name) throws IOException {
        Path dir = root.resolve(name);
        CheckpointWriter.writeSharded(dir, tensors(), SafetensorsDtype.F32, 130);
        return dir;
    }

    private static void writeIndex(Path dir, String json) throws IOException {
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), json, StandardCharsets.UTF_8);
    }

    private static CheckpointException assertOpenFails(Path dir, String... parts) {
        CheckpointException e =
                Assert.expectThrows(CheckpointException.class, () -> Checkpoint.open(dir).close());
        Assertions.assertOneLineMessage(e, parts);
        return e;
    }

    @Test
    public void shardedRoundTrip() throws IOException {
        Path dir = root.resolve("sharded");
        List<Path> written =
                CheckpointWriter.writeSharded(dir, tensors(), SafetensorsDtype.F32, 130);
        Assert.assertEquals(written.size(), 4, "two tensors per 130-byte shard: 3 shards + index");
        Assert.assertEquals(
                written.get(0).getFileName().toString(), "model-00001-of-00003.safetensors");
        Assert.assertEquals(written.get(3).getFileName().toString(), Checkpoint.INDEX_FILE);
        String index = Files.readString(written.get(3));
        Assert.assertTrue(index.contains("\"total_size\": 320"), index);
        Assert.assertFalse(Files.exists(dir.resolve(Checkpoint.SINGLE_FILE)));
        try (Checkpoint checkpoint = Checkpoint.open(dir);
                NDManager manager = NDManager.newBaseManager()) {
            Assert.assertEquals(List.copyOf(checkpoint.names()), List.copyOf(tensors().keySet()));
            Assert.assertEquals(checkpoint.files().size(), 3);
            for (Map.Entry<String, TensorData> e : tensors().entrySet()) {
                Assert.assertEquals(checkpoint.readFloats(e.getKey()), e.getValue().data());
                Assert.assertEquals(checkpoint.info(e.getKey()).shape(), new long[] {4, 4});
                try (NDArray array = checkpoint.load(e.getKey(), manager, DataType.FLOAT32)) {
                    Assert.assertEquals(array.toFloatArray(), e.getValue().data());
                }
            }
            CheckpointException e =
                    Assert.expectThrows(
                            CheckpointException.class,
                            () -> checkpoint.readFloats("lm_head.weight"));
            Assertions.assertOneLineMessage(e, "'lm_head.weight'", dir.toString());
        }
    }

    @Test
    public void singleFileWhenOneShardSuffices() throws IOException {
        Path dir = sharded("single");
        CheckpointWriter.writeSharded(dir, tensors(), SafetensorsDtype.BF16, 1L << 30);
        Assert.assertTrue(Files.exists(dir.resolve(Checkpoint.SINGLE_FILE)));
        Assert.assertFalse(Files.exists(dir.resolve(Checkpoint.INDEX_FILE)), "stale index removed");
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            Assert.assertEquals(checkpoint.names().size(), 5);
            Assert.assertEquals(checkpoint.info("model.layers.4.weight").dtype(), "BF16");
            Assert.assertEquals(checkpoint.readFloats("model.layers.0.weight")[1], 1.25f);
        }
    }

    @Test
    public void ndArrayVariantWritesShards() throws IOException {
        Path dir = root.resolve("arrays");
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            for (Map.Entry<String, TensorData> e : tensors().entrySet()) {
                arrays.put(e.getKey(), manager.create(e.getValue().data(), new Shape(4, 4)));
            }
            arrays.put(
                    "half",
                    manager.create(new float[] {1.5f, -2f}).toType(DataType.FLOAT16, false));
            CheckpointWriter.writeShardedArrays(dir, arrays, SafetensorsDtype.F16, 64);
        }
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            Assert.assertEquals(checkpoint.files().size(), 3);
            Assert.assertEquals(checkpoint.readFloats("half"), new float[] {1.5f, -2f});
            Assert.assertEquals(checkpoint.readFloats("model.layers.2.weight")[3], 203.25f);
        }
    }

    @Test
    public void missingFolderOrFiles() throws IOException {
        assertOpenFails(root.resolve("nothing-here"), "not a directory");
        Path empty = Files.createDirectories(root.resolve("empty"));
        assertOpenFails(empty, "neither", Checkpoint.SINGLE_FILE, Checkpoint.INDEX_FILE);
    }

    @Test
    public void missingShard() throws IOException {
        Path dir = sharded("missing");
        Files.delete(dir.resolve("model-00002-of-00003.safetensors"));
        assertOpenFails(
                dir, "model-00002-of-00003.safetensors", "missing", "model.layers.2.weight");
    }

    @Test
    public void indexNamesTensorNotInShard() throws IOException {
        Path dir = sharded("wrongshard");
        String index = Files.readString(dir.resolve(Checkpoint.INDEX_FILE));
        writeIndex(
                dir,
                index.replace(
                        "\"model.layers.0.weight\": \"model-00001-of-00003.safetensors\"",
                        "\"model.layers.0.weight\": \"model-00001-of-00003.safetensors\",\n"
                                + "\"ghost.weight\": \"model-00001-of-00003.safetensors\""));
        assertOpenFails(dir, "'ghost.weight'", "not in shard model-00001-of-00003.safetensors");
    }

    @Test
    public void shardHoldsTensorNotInIndex() throws IOException {
        Path dir = sharded("extra");
        String index = Files.readString(dir.resolve(Checkpoint.INDEX_FILE));
        writeIndex(
                dir,
                index.replace(
                        ",\n    \"model.layers.1.weight\": \"model-00001-of-00003.safetensors\"",
                        ""));
        assertOpenFails(
                dir, "model-00001-of-00003.safetensors", "'model.layers.1.weight'", "not assigned");
    }

    @Test
    public void pathTraversalInIndex() throws IOException {
        Path dir = sharded("traversal");
        for (String shard :
                new String[] {
                    "../traversal/model-00001-of-00003.safetensors",
                    "sub/../../etc/passwd",
                    "/etc/passwd",
                    root.resolve("traversal/model-00001-of-00003.safetensors").toString(),
                    "..\\\\evil.safetensors",
                    ""
                }) {
            writeIndex(dir, "{\"weight_map\":{\"model.layers.0.weight\":\"" + shard + "\"}}");
            assertOpenFails(dir, Checkpoint.INDEX_FILE, "shard file name");
        }
    }

    @Test
    public void invalidIndexJson() throws IOException {
        Path dir = sharded("badindex");
        writeIndex(dir, "{\"weight_map\": {\"a\": ");
        assertOpenFails(dir, Checkpoint.INDEX_FILE, "not valid JSON");
        writeIndex(dir, "{\"metadata\": {}}");
        assertOpenFails(dir, "missing weight_map");
        writeIndex(dir, "{\"weight_map\": {\"a\": 3}}");
        assertOpenFails(dir, "weight_map entry 'a' must be a string");
        writeIndex(dir, "[]");
        assertOpenFails(dir, "must be an object");
    }

    @Test
    public void corruptShardIsReported() throws IOException {
        Path dir = sharded("corrupt");
        Files.write(dir.resolve("model-00003-of-00003.safetensors"), new byte[] {1, 2, 3});
        assertOpenFails(dir, "model-00003-of-00003.safetensors", "truncated");
    }
}
