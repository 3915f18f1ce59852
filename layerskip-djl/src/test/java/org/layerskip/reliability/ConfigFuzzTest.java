package org.layerskip.reliability;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import org.layerskip.config.ConfigException;
import org.layerskip.config.LlamaConfig;
import org.layerskip.io.CheckpointException;
import org.layerskip.io.Fixtures;
import org.layerskip.io.HfLlama;
import org.layerskip.nn.LlamaModel;
import org.testng.Assert;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

/**
 * Seeded mutations of real {@code config.json} and {@code generation_config.json} files: each case
 * parses to a valid configuration or throws {@link ConfigException}, within a time limit; every
 * configuration that parses then loads against the fixture's weights or is rejected (with a {@link
 * ConfigException} or {@link CheckpointException}) before anything is allocated.
 */
public class ConfigFuzzTest {

    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final long MAX_BYTES = 1L << 30;

    private Path dir;
    private ExecutorService executor;
    private NDManager manager;

    @BeforeClass
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("config-fuzz");
        Files.copy(
                Fixtures.dir("tiny-f32").resolve("model.safetensors"),
                dir.resolve("model.safetensors"));
        executor = Executors.newSingleThreadExecutor();
        manager = NDManager.newBaseManager();
    }

    @AfterClass(alwaysRun = true)
    public void tearDown() throws IOException {
        executor.shutdownNow();
        manager.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Test(groups = "slow")
    public void mutatedConfigsParseOrThrowConfigException() throws Throwable {
        String[] originals = {
            Files.readString(Fixtures.dir("tiny-f32").resolve("config.json")),
            Files.readString(Fixtures.dir("tiny-f16-tied-llama3").resolve("config.json")),
        };
        Path config = dir.resolve("config.json");
        Files.deleteIfExists(dir.resolve("generation_config.json"));
        JsonMutator mutator = new JsonMutator(20250101L);
        int cases = JsonMutator.cases(2000);
        int parsed = 0;
        int loaded = 0;
        for (int i = 0; i < cases; i++) {
            byte[] mutant = mutator.mutate(originals[i % 2]);
            Files.write(config, mutant);
            String what = "config case " + i + ": " + JsonMutator.show(mutant);
            Integer outcome =
                    JsonMutator.withTimeout(
                            executor,
                            LIMIT,
                            what,
                            () -> {
                                LlamaConfig c;
                                try {
                                    c = LlamaConfig.fromJson(config);
                                } catch (ConfigException e) {
                                    Assert.assertFalse(e.getMessage().isBlank());
                                    return 0;
                                } catch (Throwable t) {
                                    throw new AssertionError(what + "\nthrew " + t, t);
                                }
                                Assert.assertTrue(c.parameterCount() > 0, what);
                                LlamaModel.builder().setConfig(c).build(); // allocates nothing
                                try (NDManager sub = manager.newSubManager()) {
                                    HfLlama.load(dir, sub, DataType.FLOAT32, MAX_BYTES);
                                    return 2;
                                } catch (ConfigException | CheckpointException e) {
                                    Assert.assertEquals(
                                            manager.getManagedArrays().size(),
                                            0,
                                            "allocated before rejecting");
                                    return 1;
                                } catch (Throwable t) {
                                    throw new AssertionError(what + "\nload threw " + t, t);
                                }
                            });
            parsed += outcome >= 1 ? 1 : 0;
            loaded += outcome == 2 ? 1 : 0;
        }
        Assert.assertTrue(parsed > 0 && parsed < cases, "parsed " + parsed + " of " + cases);
        Assert.assertTrue(loaded > 0, "some mutants (e.g. of unused fields) should still load");
        System.out.printf("config fuzz: %d cases, %d parsed, %d loaded%n", cases, parsed, loaded);
    }

    @Test(groups = "slow")
    public void mutatedGenerationConfigsReadOrThrowConfigException() throws Throwable {
        Path src = Fixtures.dir("tiny-f32");
        Files.copy(
                src.resolve("config.json"),
                dir.resolve("config.json"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        String original = Files.readString(src.resolve("generation_config.json"));
        Path gen = dir.resolve("generation_config.json");
        JsonMutator mutator = new JsonMutator(77L);
        int cases = JsonMutator.cases(2000);
        int read = 0;
        for (int i = 0; i < cases; i++) {
            byte[] mutant = mutator.mutate(original);
            Files.write(gen, mutant);
            String what = "generation_config case " + i + ": " + JsonMutator.show(mutant);
            read +=
                    JsonMutator.withTimeout(
                            executor,
                            LIMIT,
                            what,
                            () -> {
                                try {
                                    LlamaConfig c = HfLlama.readConfig(dir);
                                    Assert.assertTrue(c.bosTokenId() < c.vocabSize(), what);
                                    return 1;
                                } catch (ConfigException e) {
                                    Assert.assertTrue(
                                            e.getMessage().contains(gen.toString()),
                                            e.getMessage());
                                    return 0;
                                } catch (Throwable t) {
                                    throw new AssertionError(what + "\nthrew " + t, t);
                                }
                            });
        }
        Files.delete(gen);
        Assert.assertTrue(read > 0 && read < cases, "read " + read + " of " + cases);
    }

    @Test(groups = "slow")
    public void absurdSizesAreRefusedBeforeAllocation() throws IOException {
        Path big = Files.createTempDirectory(dir, "big");
        LlamaConfig tiny = LlamaConfig.fromJson(Fixtures.dir("tiny-f32").resolve("config.json"));
        String json =
                tiny.toJson()
                        .replace("\"vocab_size\": 256", "\"vocab_size\": 4194304")
                        .replace("\"hidden_size\": 64", "\"hidden_size\": 1048576")
                        .replace("\"head_dim\": 16", "\"head_dim\": 256");
        Files.writeString(big.resolve("config.json"), json);
        LlamaConfig c = HfLlama.readConfig(big);
        Assert.assertTrue(c.parameterCount() > (64L << 30) / 4, "test config is not absurd");
        // no weights at all: the limit is checked before the checkpoint is even opened
        ConfigException e =
                Assert.expectThrows(
                        ConfigException.class, () -> HfLlama.load(big, manager, DataType.FLOAT32));
        Assert.assertTrue(e.getMessage().contains("over the limit"), e.getMessage());
        // a plausible config whose shapes disagree with the weights is refused before allocation
        Files.copy(dir.resolve("model.safetensors"), big.resolve("model.safetensors"));
        Files.writeString(
                big.resolve("config.json"),
                tiny.toJson()
                        .replace("\"intermediate_size\": 160", "\"intermediate_size\": 1000000"));
        CheckpointException ce =
                Assert.expectThrows(
                        CheckpointException.class,
                        () -> HfLlama.load(big, manager, DataType.FLOAT32));
        Assert.assertTrue(ce.getMessage().contains("config.json implies"), ce.getMessage());
        Assert.assertEquals(manager.getManagedArrays().size(), 0);
    }
}
