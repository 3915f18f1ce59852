package org.layerskip.io;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import org.layerskip.config.ConfigException;
import org.layerskip.testing.Assertions;
import org.testng.Assert;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.Optional;

/**
 * Loads that must fail cleanly: shards truncated, rewritten or replaced after they were opened,
 * shapes that disagree with config.json, and models larger than the memory available. Every message
 * is one line naming the file (and the tensor, where one is at fault).
 */
public class LoadFailuresTest {

    private Path root;
    private NDManager manager;

    @BeforeClass
    public void setUp() throws IOException {
        root = Files.createTempDirectory("load-failures");
        manager = NDManager.newBaseManager();
    }

    @AfterClass
    public void tearDown() throws IOException {
        manager.close();
        HfLlamaTest.delete(root);
    }

    /** A copy of tiny-f32 (one model.safetensors). */
    private Path copy(String name) throws IOException {
        Path dir = Files.createDirectories(root.resolve(name));
        HfLlamaTest.copy(Fixtures.dir("tiny-f32"), dir);
        return dir;
    }

    private static final String LAST = "lm_head.weight";

    @Test
    public void shardTruncatedAfterOpening() throws IOException {
        Path dir = copy("truncated");
        Path file = dir.resolve(Checkpoint.SINGLE_FILE);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            TensorInfo last = f.info(LAST);
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                raf.setLength(raf.length() - 6);
            }
            CheckpointException e =
                    Assert.expectThrows(
                            CheckpointException.class,
                            () -> f.load(LAST, manager, DataType.FLOAT32));
            Assertions.assertOneLineMessage(
                    e, file.toString(), "'" + LAST + "'", "unexpected end of file", "truncated");
            // a tensor that is still complete is read, but the shrunken file is noticed
            String first = f.tensors().keySet().iterator().next();
            Assert.assertNotEquals(first, last.name());
            e = Assert.expectThrows(CheckpointException.class, () -> f.readFloats(first));
            Assertions.assertOneLineMessage(e, file.toString(), "changed size", "'" + first + "'");
        }
    }

    @Test
    public void shardRewrittenInPlaceAfterOpening() throws IOException {
        Path dir = copy("rewritten");
        Path file = dir.resolve(Checkpoint.SINGLE_FILE);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            Files.setLastModifiedTime(
                    file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 5_000));
            CheckpointException e =
                    Assert.expectThrows(
                            CheckpointException.class,
                            () -> f.load(LAST, manager, DataType.FLOAT16));
            Assertions.assertOneLineMessage(e, file.toString(), "was modified", "'" + LAST + "'");
        }
    }

    @Test
    public void shardReplacedAfterOpening() throws IOException {
        Path dir = copy("replaced");
        Path file = dir.resolve(Checkpoint.SINGLE_FILE);
        Path other = root.resolve("replacement.safetensors");
        Files.copy(file, other);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            Files.move(
                    other,
                    file,
                    StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            CheckpointException e =
                    Assert.expectThrows(CheckpointException.class, () -> f.rawBytes(LAST));
            Assertions.assertOneLineMessage(e, file.toString(), "replaced", "'" + LAST + "'");
        }
    }

    @Test
    public void unchangedFilesLoadRepeatedly() throws IOException {
        Path dir = copy("unchanged");
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(Checkpoint.SINGLE_FILE))) {
            for (int i = 0; i < 3; i++) {
                f.load(LAST, manager, DataType.FLOAT32).close();
            }
        }
        HfLlama.load(dir, manager, DataType.FLOAT16);
    }

    @Test
    public void wrongShapeNamesFileAndTensor() throws IOException {
        Path dir = copy("shape");
        String cfg = Files.readString(dir.resolve("config.json"));
        Files.writeString(
                dir.resolve("config.json"),
                cfg.replace("\"intermediate_size\": 160", "\"intermediate_size\": 128"));
        CheckpointException e =
                Assert.expectThrows(
                        CheckpointException.class,
                        () -> HfLlama.load(dir, manager, DataType.FLOAT32));
        Assertions.assertOneLineMessage(
                e,
                dir.resolve(Checkpoint.SINGLE_FILE).toString(),
                "mlp.gate_proj.weight",
                "[160, 64]",
                "[128, 64]");
    }

    @Test
    public void modelLargerThanAvailableMemoryIsRefusedBeforeAnythingIsRead() throws IOException {
        Path dir = copy("memory");
        // no weights at all: the refusal must come before the checkpoint is even opened
        Files.delete(dir.resolve(Checkpoint.SINGLE_FILE));
        long weights = HfLlama.readConfig(dir).parameterCount() * 4;
        AvailableMemory little = new AvailableMemory(weights - 1, "MemAvailable in /proc/meminfo");
        ConfigException e =
                Assert.expectThrows(
                        ConfigException.class,
                        () ->
                                HfLlama.load(
                                        dir,
                                        manager,
                                        DataType.FLOAT32,
                                        Long.MAX_VALUE,
                                        Optional.of(little)));
        Assertions.assertOneLineMessage(
                e,
                dir.toString(),
                "need " + weights + " bytes",
                "as float32",
                "only " + (weights - 1) + " bytes",
                "MemAvailable",
                "as float16 they need " + weights / 2 + " bytes",
                HfLlama.CHECK_MEMORY_PROPERTY + "=false");
        // enough memory: the load gets as far as the (missing) checkpoint
        AvailableMemory enough = new AvailableMemory(weights, "test");
        CheckpointException c =
                Assert.expectThrows(
                        CheckpointException.class,
                        () ->
                                HfLlama.load(
                                        dir,
                                        manager,
                                        DataType.FLOAT32,
                                        Long.MAX_VALUE,
                                        Optional.of(enough)));
        Assertions.assertOneLineMessage(c, "neither");
        // float16 needs half
        AvailableMemory half = new AvailableMemory(weights / 2, "test");
        c =
                Assert.expectThrows(
                        CheckpointException.class,
                        () ->
                                HfLlama.load(
                                        dir,
                                        manager,
                                        DataType.FLOAT16,
                                        Long.MAX_VALUE,
                                        Optional.of(half)));
        Assertions.assertOneLineMessage(c, "neither");
    }
}
