package org.layerskip.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;

import org.layerskip.config.ConfigException;
import org.layerskip.nn.LlamaModel;
import org.testng.Assert;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

public class HfLlamaTest {

    private static NDArray logits(LlamaModel m, NDManager manager) {
        ParameterStore ps = new ParameterStore(manager, false);
        NDArray ids = manager.create(new long[] {1, 9, 4, 7}, new Shape(1, 4));
        return m.forwardExits(ps, ids, new int[] {2, m.numLayers()}, false).get(1);
    }

    @Test
    public void saveAndReloadRoundTrip() throws Exception {
        for (String name : Fixtures.NAMES) {
            Path out = Files.createTempDirectory("roundtrip");
            try (NDManager manager = NDManager.newBaseManager()) {
                LlamaModel a = HfLlama.load(Fixtures.dir(name), manager, DataType.FLOAT32);
                // F32, forced into several shards
                HfLlama.save(a, out, SafetensorsDtype.F32, 200_000);
                Assert.assertTrue(Files.exists(out.resolve(Checkpoint.INDEX_FILE)), name);
                LlamaModel b = HfLlama.load(out, manager, DataType.FLOAT32);
                Assert.assertEquals(b.getConfig().eosTokenIds(), a.getConfig().eosTokenIds());
                float diff = logits(a, manager).sub(logits(b, manager)).abs().max().getFloat();
                Assert.assertEquals(diff, 0f, name + " f32 round trip");
                // BF16 single file: weights rounded, model still loads and stays close
                HfLlama.save(a, out, SafetensorsDtype.BF16, Long.MAX_VALUE);
                Assert.assertFalse(Files.exists(out.resolve(Checkpoint.INDEX_FILE)));
                LlamaModel c = HfLlama.load(out, manager, DataType.FLOAT32);
                Assert.assertEquals(c.getConfig().torchDtype(), "bfloat16");
                float d2 = logits(a, manager).sub(logits(c, manager)).abs().max().getFloat();
                Assert.assertTrue(d2 < 0.5f, name + " bf16 diff " + d2);
            } finally {
                delete(out);
            }
        }
    }

    @Test
    public void rejectsCheckpointsThatDisagreeWithConfig() throws Exception {
        Path src = Fixtures.dir("tiny-f32");
        Path dir = Files.createTempDirectory("bad");
        try (NDManager manager = NDManager.newBaseManager()) {
            copy(src, dir);
            // more layers in config.json than tensors in the checkpoint
            String cfg = Files.readString(dir.resolve("config.json"));
            Files.writeString(
                    dir.resolve("config.json"),
                    cfg.replace("\"num_hidden_layers\": 4", "\"num_hidden_layers\": 5"));
            CheckpointException e =
                    Assert.expectThrows(
                            CheckpointException.class,
                            () -> HfLlama.load(dir, manager, DataType.FLOAT32));
            Assert.assertTrue(e.getMessage().contains("missing tensor"), e.getMessage());
            // fewer layers: extra tensors
            Files.writeString(
                    dir.resolve("config.json"),
                    cfg.replace("\"num_hidden_layers\": 4", "\"num_hidden_layers\": 3"));
            e =
                    Assert.expectThrows(
                            CheckpointException.class,
                            () -> HfLlama.load(dir, manager, DataType.FLOAT32));
            Assert.assertTrue(e.getMessage().contains("unexpected tensor"), e.getMessage());
            // wrong width: shape mismatch names the tensor
            Files.writeString(
                    dir.resolve("config.json"),
                    cfg.replace("\"intermediate_size\": 160", "\"intermediate_size\": 128"));
            e =
                    Assert.expectThrows(
                            CheckpointException.class,
                            () -> HfLlama.load(dir, manager, DataType.FLOAT32));
            Assert.assertTrue(e.getMessage().contains("mlp.gate_proj.weight"), e.getMessage());
            // invalid JSON
            Files.writeString(dir.resolve("config.json"), "{\"vocab_size\": 256,");
            ConfigException c =
                    Assert.expectThrows(
                            ConfigException.class,
                            () -> HfLlama.load(dir, manager, DataType.FLOAT32));
            Assert.assertTrue(c.getMessage().contains("config.json"), c.getMessage());
            // missing folder
            Assert.expectThrows(
                    ConfigException.class,
                    () -> HfLlama.load(dir.resolve("nope"), manager, DataType.FLOAT32));
        } finally {
            delete(dir);
        }
    }

    static void copy(Path src, Path dst) throws IOException {
        try (Stream<Path> s = Files.list(src)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Files.copy(p, dst.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    static void delete(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
