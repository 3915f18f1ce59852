package org.layerskip.reliability;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.layerskip.config.ConfigException;
import org.layerskip.config.LlamaConfig;
import org.layerskip.io.CheckpointException;
import org.layerskip.io.Fixtures;
import org.layerskip.io.HfLlama;
import org.layerskip.tokenizer.LlamaTokenizer;
import org.layerskip.tokenizer.TokenizerException;
import org.testng.annotations.AfterMethod;
import org.testng.annotations.BeforeMethod;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The should-fix cases of issue #15 for model folders, each of which used to end cleanly but with a
 * wrong message or behaviour: {@code config.json} strictness (comments, duplicate keys, 2^40, an
 * empty {@code llama3} rope_scaling, {@code lm_head.weight} in a tied model) and a directory, a
 * FIFO or {@code /dev/zero} where a file should be (reported as "no such file", or a hang).
 */
public class ModelFolderStrictnessTest {

    private Path dir;

    @BeforeMethod
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("model-folder");
        try (Stream<Path> files = Files.list(Fixtures.dir("tiny-f32"))) {
            for (Path p : files.toList()) {
                Files.copy(p, dir.resolve(p.getFileName().toString()));
            }
        }
    }

    @AfterMethod(alwaysRun = true)
    public void tearDown() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private String config() throws IOException {
        return Files.readString(dir.resolve("config.json"));
    }

    private static String configError(String json) {
        return expectThrows(ConfigException.class, () -> LlamaConfig.fromJson(json)).getMessage();
    }

    @Test
    public void commentsAreRejected() throws IOException {
        String withComment = config().replaceFirst("\\{", "{ // a comment\n");
        assertEquals(
                configError(withComment),
                "invalid JSON (malformed JSON at line 1 column 4 path $. (a comment? JSON has none))");
        assertTrue(
                configError(config().replaceFirst("\\{", "{ /* block */ ")).contains("a comment?"));
    }

    @Test
    public void duplicateKeysAreRejected() throws IOException {
        String twice = config().replaceFirst("\\{", "{\"hidden_size\": 7,");
        assertEquals(
                configError(twice), "invalid JSON (duplicate key 'hidden_size' at $.hidden_size)");
    }

    @Test
    public void hugeIntegerIsReportedAsTooLarge() throws IOException {
        JsonObject o = JsonParser.parseString(config()).getAsJsonObject();
        o.addProperty("num_hidden_layers", 1L << 40);
        assertEquals(
                configError(o.toString()),
                "field 'num_hidden_layers' is 1099511627776, too large (the limit is 2147483647 in"
                        + " magnitude)");
        o.addProperty("num_hidden_layers", 2.5);
        assertEquals(
                configError(o.toString()), "field 'num_hidden_layers' must be an integer, got 2.5");
    }

    @Test
    public void incompleteRopeScalingIsRejected() throws IOException {
        JsonObject o = JsonParser.parseString(config()).getAsJsonObject();
        o.add("rope_scaling", JsonParser.parseString("{\"rope_type\": \"llama3\"}"));
        assertEquals(
                configError(o.toString()),
                "rope_scaling of type llama3 needs 'factor'; it has [rope_type]");
        o.add(
                "rope_scaling",
                JsonParser.parseString(
                        "{\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 1.0,"
                                + " \"high_freq_factor\": 4.0}"));
        assertTrue(configError(o.toString()).contains("needs 'original_max_position_embeddings'"));
        o.add("rope_scaling", JsonParser.parseString("{\"type\": \"linear\"}"));
        assertEquals(
                configError(o.toString()),
                "rope_scaling of type linear needs 'factor'; it has [type]");
        o.add("rope_scaling", JsonParser.parseString("{}"));
        assertEquals(configError(o.toString()), "rope_scaling: missing rope_type");
    }

    @Test
    public void lmHeadInATiedModelIsAnUnexpectedTensor() throws IOException {
        JsonObject o = JsonParser.parseString(config()).getAsJsonObject();
        o.addProperty("tie_word_embeddings", true);
        Files.writeString(dir.resolve("config.json"), o.toString());
        try (NDManager m = NDManager.newBaseManager()) {
            CheckpointException e =
                    expectThrows(
                            CheckpointException.class,
                            () -> HfLlama.load(dir, m, DataType.FLOAT32));
            assertEquals(
                    e.getMessage(),
                    dir
                            + ": unexpected tensor(s) [lm_head.weight] for this"
                            + " config.json (1); config.json says tie_word_embeddings=true, so lm_head.weight"
                            + " would be ignored (set it to false to use this head)");
        }
    }

    /** How a path that should be a file is replaced. */
    enum Special {
        DIRECTORY,
        FIFO,
        DEV_ZERO
    }

    private static void replace(Path file, Special how) throws IOException, InterruptedException {
        Files.deleteIfExists(file);
        switch (how) {
            case DIRECTORY -> Files.createDirectory(file);
            case DEV_ZERO -> Files.createSymbolicLink(file, Path.of("/dev/zero"));
            case FIFO -> {
                Process p = new ProcessBuilder("mkfifo", file.toString()).start();
                assertTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "mkfifo");
            }
            default -> throw new AssertionError(how);
        }
    }

    private static String kind(Special how) {
        return switch (how) {
            case DIRECTORY -> "is a directory, not a file";
            case FIFO -> "is a FIFO (named pipe), not a regular file";
            case DEV_ZERO -> "is a character device, not a regular file";
        };
    }

    @DataProvider
    public Object[][] specials() {
        return new Object[][] {{Special.DIRECTORY}, {Special.FIFO}, {Special.DEV_ZERO}};
    }

    @Test(dataProvider = "specials", timeOut = 60_000)
    public void specialFileInPlaceOfTheWeightsIsNamed(Special how) throws Exception {
        Path weights = dir.resolve("model.safetensors");
        replace(weights, how);
        try (NDManager m = NDManager.newBaseManager()) {
            CheckpointException e =
                    expectThrows(
                            CheckpointException.class,
                            () -> HfLlama.load(dir, m, DataType.FLOAT32));
            assertEquals(e.getMessage(), weights + ": " + kind(how));
        }
    }

    @Test(dataProvider = "specials", timeOut = 60_000)
    public void specialFileInPlaceOfAShardOrTheIndexIsNamed(Special how) throws Exception {
        Path sharded = Fixtures.dir("tiny-bf16-sharded");
        Files.delete(dir.resolve("model.safetensors"));
        try (Stream<Path> files = Files.list(sharded)) {
            for (Path p : files.toList()) {
                Files.copy(
                        p,
                        dir.resolve(p.getFileName().toString()),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Path shard = dir.resolve("model-00002-of-00002.safetensors");
        replace(shard, how);
        try (NDManager m = NDManager.newBaseManager()) {
            CheckpointException e =
                    expectThrows(
                            CheckpointException.class,
                            () -> HfLlama.load(dir, m, DataType.FLOAT32));
            assertTrue(e.getMessage().endsWith("shard " + shard + " " + kind(how)), e.getMessage());
            Path index = dir.resolve("model.safetensors.index.json");
            replace(index, how);
            e =
                    expectThrows(
                            CheckpointException.class,
                            () -> HfLlama.load(dir, m, DataType.FLOAT32));
            assertEquals(e.getMessage(), index + ": " + kind(how));
        }
    }

    @Test(dataProvider = "specials", timeOut = 60_000)
    public void specialFileInPlaceOfConfigOrTokenizerIsNamed(Special how) throws Exception {
        Path config = dir.resolve("config.json");
        replace(config, how);
        String expected =
                how == Special.DIRECTORY
                        ? "is a directory, not a file"
                        : "is not a regular file (a FIFO, a device or a socket)";
        ConfigException c = expectThrows(ConfigException.class, () -> HfLlama.readConfig(dir));
        assertEquals(c.getMessage(), config + ": " + expected);
        Path tokenizer = dir.resolve(LlamaTokenizer.TOKENIZER_FILE);
        replace(tokenizer, how);
        TokenizerException t =
                expectThrows(TokenizerException.class, () -> LlamaTokenizer.load(dir));
        assertEquals(t.getMessage(), tokenizer + ": " + expected);
    }
}
